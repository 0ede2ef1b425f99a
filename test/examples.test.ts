// Runs each example under examples/ as its own process against the real authorization server, and checks
// both what it printed and what the servers saw.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { startRedisServer } from './support/redis-server.ts';

let server: AuthorizationServer;
let scratch: string;
before(async () => {
  server = await startAuthorizationServer();
  scratch = await mkdtemp(join(tmpdir(), 'oauth-ccg-examples-'));
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(() => server.reset());

/**
 * Runs an example with the environment pointing at the test server as the basic client, changed by
 * `variables`; an undefined variable is left unset, so an example that needs no secret is given none.
 */
async function runExample(name: string, variables: Record<string, string | undefined> = {}): Promise<string> {
  const environment: Record<string, string | undefined> = {
    ...process.env,
    API_BASE_URL: server.apiUrl,
    TOKEN_URL: server.tokenUrl,
    CLIENT_ID: server.clients.basic.id,
    CLIENT_SECRET: server.clients.basic.secret,
    TOKEN_DATABASE: join(scratch, `${name}.json`),
    ...variables,
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    timeout: 30_000,
    env: Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined)),
  });
  return stdout;
}

/** Writes `contents` to a new file in the scratch directory and returns its path. */
async function scratchFile(name: string, contents: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, contents);
  return path;
}

/** The access tokens the token endpoint issued, in order. */
const issuedTokens = (): string[] => server.tokenRequests.flatMap((request) => (request.accessToken === undefined ? [] : [request.accessToken]));

test('automatic-token: the first call fetches the token, the second reuses it', async () => {
  const output = await runExample('automatic-token');
  assert.match(output, /first call: 200/);
  assert.match(output, /second call: 200/);
  assert.equal(server.tokenRequests.length, 1);
  assert.equal(server.apiRequests.length, 2);
});

test('token-update-callback: the new token is saved as JSON', async () => {
  const database = join(scratch, 'callback.json');
  assert.match(await runExample('token-update-callback', { TOKEN_DATABASE: database }), /call: 200/);
  const saved = JSON.parse(await readFile(database, 'utf8')) as { accessToken: string; expiry: number };
  assert.equal(saved.accessToken, server.tokenRequests[0]?.accessToken);
  assert.equal(typeof saved.expiry, 'number');
});

test('custom-token-provider: fetches when the database is empty, then reuses the stored token', async () => {
  const database = join(scratch, 'provider.json');
  assert.match(await runExample('custom-token-provider', { TOKEN_DATABASE: database }), /call: 200/);
  assert.equal(server.tokenRequests.length, 1);
  assert.match(await runExample('custom-token-provider', { TOKEN_DATABASE: database }), /call: 200/);
  assert.equal(server.tokenRequests.length, 1, 'the second process used the stored token');
  assert.equal(server.apiRequests.length, 2);
});

test('manual-fetch-token: fetches and stores a token, then a later run restores it', async () => {
  const database = join(scratch, 'manual.json');
  const first = await runExample('manual-fetch-token', { TOKEN_DATABASE: database });
  assert.match(first, /fetched and stored a new token\ncall: 200\nstored-token client call: 200/);
  const second = await runExample('manual-fetch-token', { TOKEN_DATABASE: database });
  assert.match(second, /restored the stored token\ncall: 200/);
  assert.equal(server.tokenRequests.length, 1);
});

test('scopes: read and write are granted; a read-only client is refused the write call', async () => {
  const output = await runExample('scopes');
  assert.match(output, /write call: 200 granted scope: read write/);
  assert.match(output, /read-only write call: 403/);
  assert.deepEqual(server.tokenRequests.map((request) => request.params.scope), ['read write', 'read']);
});

test('clock-skew: the skew decides when a token counts as expired', async () => {
  const output = await runExample('clock-skew');
  assert.match(output, /expired with a 30 s skew\? false/);
  assert.match(output, /expired with a skew of its whole lifetime\? true/);
});

test('client-secret-jwt: an HS256 assertion for the client, and no secret on the wire', async () => {
  const { id, secret } = server.clients.clientSecretJwt;
  const output = await runExample('client-secret-jwt', { CLIENT_ID: id, CLIENT_SECRET: secret });
  assert.match(output, new RegExp(`call: 200 .*"clientId":"${id}"`));
  const [request] = server.tokenRequests;
  assert.equal(server.tokenRequests.length, 1);
  assert.equal(request?.authMethod, 'client_secret_jwt');
  assert.equal(request.rawAuthorization, undefined);
  assert.equal(request.clientAssertion?.header.alg, 'HS256');
  assert.deepEqual([request.clientAssertion?.claims.iss, request.clientAssertion?.claims.sub], [id, id]);
});

for (const { alg, client } of [
  { alg: 'ES256', client: () => server.clients.privateKeyJwtEs256 },
  { alg: 'RS256', client: () => server.clients.privateKeyJwtRs256 },
]) {
  test(`private-key-jwt: a PEM key from a file signs an ${alg} assertion the server accepts`, async () => {
    const { id, key } = client();
    const output = await runExample('private-key-jwt', {
      CLIENT_ID: id,
      CLIENT_SECRET: undefined,
      PRIVATE_KEY_FILE: await scratchFile(`${key.kid}.pem`, key.pem),
      PRIVATE_KEY_ID: key.kid,
    });
    assert.match(output, new RegExp(`call: 200 .*"clientId":"${id}"`));
    const [request] = server.tokenRequests;
    assert.equal(request?.authMethod, 'private_key_jwt');
    assert.deepEqual(request.clientAssertion?.header, { alg, kid: key.kid, typ: 'JWT' });
    assert.equal(request.clientAssertion?.claims.iss, id);
  });
}

test('workload-identity: the assertion file is read for each token request, so a rotated one is sent', async () => {
  const [first, rotated] = await Promise.all([server.signClientAssertion(), server.signClientAssertion()]);
  const file = await scratchFile('projected-token', `${first}\n`);
  // Like the platform rotating the file, here the moment the server has spent the first assertion (its jti
  // may not be used again): the record is pushed before the answer is written, so before the client's next read.
  const { tokenRequests } = server;
  tokenRequests.push = (...records) => {
    writeFileSync(file, rotated);
    return Array.prototype.push.apply(tokenRequests, records);
  };
  try {
    const output = await runExample('workload-identity', { CLIENT_ID: server.clients.assertion.id, CLIENT_SECRET: undefined, CLIENT_ASSERTION_FILE: file });
    assert.match(output, /call: 200\nsecond token request, with the rotated assertion: Bearer/);
  } finally {
    Reflect.deleteProperty(tokenRequests, 'push');
  }
  assert.deepEqual(server.tokenRequests.map((request) => [request.status, request.authMethod]), [[200, 'private_key_jwt'], [200, 'private_key_jwt']]);
  const jtis = server.tokenRequests.map((request) => request.clientAssertion?.claims.jti);
  assert.deepEqual(jtis, [first, rotated].map((assertion) => JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString()).jti));
});

for (const { method, client } of [
  { method: 'tls_client_auth', client: () => server.clients.tlsClientAuth },
  { method: 'self_signed_tls_client_auth', client: () => server.clients.selfSignedTlsClientAuth },
]) {
  test(`mtls: ${method} at the discovered mTLS alias, and the certificate-bound token accepted at the https API`, async () => {
    const { id, certificate } = client();
    const output = await runExample('mtls', {
      API_BASE_URL: server.mtls.apiUrl,
      ISSUER: server.issuer,
      TOKEN_URL: undefined,
      CLIENT_ID: id,
      CLIENT_SECRET: undefined,
      TLS_CLIENT_AUTH_METHOD: method === 'tls_client_auth' ? undefined : method,
      CLIENT_CERTIFICATE_FILE: await scratchFile(`${method}.pem`, certificate.cert),
      CLIENT_CERTIFICATE_KEY_FILE: await scratchFile(`${method}.key`, certificate.key),
      CA_FILE: await scratchFile('ca.pem', server.certificates.ca),
    });
    assert.match(output, new RegExp(`${method} call: 200 .*"clientId":"${id}"`));
    const [request] = server.tokenRequests;
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(request?.authMethod, method);
    assert.equal(request.mtls, true, 'the token request went to the mTLS alias');
    assert.equal(request.clientCertificate?.thumbprint, certificate.thumbprint);
    assert.equal((await server.describeToken(request.accessToken ?? ''))?.certificateThumbprint, certificate.thumbprint, 'the token is bound to the certificate');
    assert.deepEqual(server.apiRequests.map(({ outcome, mtls, clientCertificateThumbprint }) => ({ outcome, mtls, clientCertificateThumbprint })), [
      { outcome: 'ok', mtls: true, clientCertificateThumbprint: certificate.thumbprint },
    ]);
  });
}

test('discovery: the token endpoint comes from the issuer\'s metadata', async () => {
  const output = await runExample('discovery', { ISSUER: server.issuer, TOKEN_URL: undefined });
  assert.match(output, /call: 200/);
  assert.equal(server.tokenRequests.length, 1);
  assert.equal(server.tokenRequests[0]?.authMethod, 'client_secret_basic');
});

test('resource-indicators: two clients get two tokens, one for each resource', async () => {
  const { apiOne, apiTwo } = server.resources;
  const output = await runExample('resource-indicators', { RESOURCE_ONE: apiOne, RESOURCE_TWO: apiTwo });
  assert.match(output, /API one call: 200\nAPI two call: 200\ntwo different tokens: true/);
  assert.deepEqual(server.tokenRequests.map((request) => request.resources), [[apiOne], [apiTwo]]);
  const audiences = await Promise.all(issuedTokens().map(async (token) => (await server.describeToken(token))?.aud));
  assert.deepEqual(audiences, [apiOne, apiTwo]);
});

test('revocation: the revoked token is refused by the API, and the client fetches a new one', async () => {
  const output = await runExample('revocation', { ISSUER: server.issuer, TOKEN_URL: undefined });
  assert.match(output, /call: 200\nthe revoked token at the API: 401\ncall after revocation: 200\na new token: true/);
  const [revoked, renewed] = issuedTokens();
  assert.equal(server.tokenRequests.length, 2);
  assert.deepEqual(server.revocationRequests.map((request) => [request.params.token_type_hint, request.status]), [['access_token', 200]]);
  assert.equal(await server.describeToken(revoked ?? ''), undefined, 'the server no longer knows the revoked token');
  assert.deepEqual(server.apiRequests.map((request) => [request.authorization, request.outcome]), [
    [`Bearer ${revoked}`, 'ok'],
    [`Bearer ${revoked}`, 'invalid_token'],
    [`Bearer ${renewed}`, 'ok'],
  ]);
});

test('dpop: a DPoP token bound to the proofs\' key, with nonces demanded at the token endpoint and the API', async () => {
  server.setDpopNonceRequired(true);
  server.setApiNonceRequired(true);
  let output: string;
  try {
    output = await runExample('dpop');
  } finally {
    server.setDpopNonceRequired(false);
    server.setApiNonceRequired(false);
  }
  assert.match(output, new RegExp(`^call: 200 .*"clientId":"${server.clients.basic.id}"`));
  assert.match(output, /token type: DPoP\nown HTTP stack headers: authorization, dpop\nown HTTP stack call: 200\n$/);
  // The token endpoint demanded its nonce once, and the retry carried it.
  assert.deepEqual(server.tokenRequests.map(({ status, dpop }) => [status, dpop?.nonce === undefined]), [[400, true], [200, false]]);
  const [, issued] = server.tokenRequests;
  assert.equal(issued?.tokenType, 'DPoP');
  const keyThumbprint = issued?.dpop?.jkt;
  assert.equal(typeof keyThumbprint, 'string');
  assert.equal((await server.describeToken(issued?.accessToken ?? ''))?.dpopThumbprint, keyThumbprint, 'cnf.jkt is the proofs\' key');
  // The client's first API call lacked the API's nonce and was replayed with it; the own-stack call carried it.
  assert.deepEqual(server.apiRequests.map(({ authorization, outcome, dpop }) => [authorization, outcome, dpop?.jkt, dpop?.ath]), [
    [`DPoP ${issued?.accessToken}`, 'use_dpop_nonce', keyThumbprint, true],
    [`DPoP ${issued?.accessToken}`, 'ok', keyThumbprint, true],
    [`DPoP ${issued?.accessToken}`, 'ok', keyThumbprint, true],
  ]);
  const [, replay, ownStack] = server.apiRequests;
  assert.equal(ownStack?.dpop?.nonce, replay?.dpop?.nonce, 'the own stack\'s proof carries the nonce the client learned');
  assert.notEqual(ownStack?.dpop?.jti, replay?.dpop?.jti, 'a new proof for each request');
});

test('axios: attachClient gives the instance the token, one token request for a burst', async () => {
  const output = await runExample('axios');
  assert.match(output, new RegExp(`^call: 200 \\{"clientId":"${server.clients.basic.id}"`));
  assert.match(output, /\nburst: (200 \{"greeting":"hello"\}(, |\n)){5}$/);
  assert.equal(server.tokenRequests.length, 1);
  const token = server.tokenRequests[0]?.accessToken;
  assert.deepEqual(server.apiRequests.map(({ method, authorization, outcome }) => [method, authorization, outcome]), [
    ['GET', `Bearer ${token}`, 'ok'],
    ...Array.from({ length: 5 }, () => ['POST', `Bearer ${token}`, 'ok']),
  ]);
});

test('undici: undici.request and undici.fetch on the composed dispatcher carry the token', async () => {
  const output = await runExample('undici');
  assert.match(output, new RegExp(`^request: 200 \\{"clientId":"${server.clients.basic.id}".*\\nfetch: 200 \\{"clientId":"${server.clients.basic.id}"`, 's'));
  assert.equal(server.tokenRequests.length, 1);
  assert.deepEqual(server.apiRequests.map((request) => [request.authorization, request.outcome]), Array.from({ length: 2 }, () => [`Bearer ${server.tokenRequests[0]?.accessToken}`, 'ok']));
});

for (const example of ['ky', 'openapi-fetch']) {
  test(`${example}: client.fetch given as its fetch authorizes its GET and its JSON POST`, async () => {
    const output = await runExample(example);
    assert.match(output, new RegExp(`^call: (200 )?\\{"clientId":"${server.clients.basic.id}"`));
    assert.match(output, /\npost: (200 )?\{"greeting":"hello"\}\n$/);
    assert.equal(server.tokenRequests.length, 1);
    assert.deepEqual(server.apiRequests.map(({ method, path, outcome }) => [method, path, outcome]), [
      ['GET', '/api/whoami', 'ok'],
      ['POST', '/api/echo', 'ok'],
    ]);
  });
}

test('shutdown: await using closes the client, later calls are refused, and the process exits at once', async () => {
  const started = performance.now();
  const output = await runExample('shutdown');
  assert.match(output, /call: 200\nafter the block: closed/);
  assert.equal(server.tokenRequests.length, 1);
  assert.equal(server.apiRequests.length, 1, 'the closed client sent nothing');
  // Well below the token's renewal time (minutes): nothing kept the process alive.
  assert.ok(performance.now() - started < 15_000);
});

test('redis-fleet: four processes sharing through Redis make one token request', async () => {
  const redis = await startRedisServer();
  try {
    const output = await runExample('redis-fleet', { REDIS_URL: redis.url });
    assert.match(output, /4 processes, 100 calls answered 200/);
    assert.match(output, /tokens fetched by the fleet: 1/);
    assert.equal(server.tokenRequests.length, 1);
  } finally {
    await redis.close();
  }
});
