// Proof that the test authorization server's registrations, mTLS endpoints, certificate-bound API,
// revocation, discovery switches and resource servers work, exercised directly with undici and jose
// (not through the library), so that the library's own tests can trust them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { importJWK, importPKCS8 } from 'jose';
import { Agent, fetch, type Dispatcher } from 'undici';
import { startAuthorizationServer, WRONG_ISSUER, type AuthorizationServer, type KeyClient } from './support/authorization-server.ts';
import { signAssertion } from './support/signing-keys.ts';
import type { CertificateAndKey } from './support/certificates.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let server: AuthorizationServer;
const agents: Agent[] = [];
before(async () => {
  server = await startAuthorizationServer();
});
after(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await server.close();
});

/** An undici dispatcher that trusts the test CA and presents `certificate`, if given. */
function tlsAgent(certificate?: CertificateAndKey): Agent {
  const agent = new Agent({ connect: { ca: server.certificates.ca, ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) } });
  agents.push(agent);
  return agent;
}

interface Answer { status: number; body: Record<string, unknown>; headers: Headers }

async function post(url: string, form: Record<string, string | string[]>, dispatcher?: Dispatcher, authorization?: string): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(form)) for (const item of [value].flat()) body.append(name, item);
  const response = await fetch(url, { method: 'POST', body, dispatcher, headers: authorization ? { authorization } : {} });
  // A revocation is answered 200 with an empty body.
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown>, headers: response.headers as unknown as Headers };
}

async function callApi(url: string, token: string, dispatcher?: Dispatcher): Promise<number> {
  const response = await fetch(`${url}/whoami`, { headers: { authorization: `Bearer ${token}` }, dispatcher });
  await response.arrayBuffer();
  return response.status;
}

const withAssertion = (clientAssertion: string, extra: Record<string, string | string[]> = {}) =>
  ({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: clientAssertion, ...extra });

const basicAuthorization = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function basicToken(extra: Record<string, string | string[]> = {}): Promise<Answer> {
  const { id, secret } = server.clients.basic;
  return post(server.tokenUrl, { grant_type: 'client_credentials', ...extra }, undefined, basicAuthorization(id, secret));
}

test('client_secret_jwt (HS256): a fresh assertion is accepted and recorded without its signature; the same one again is refused', async () => {
  server.reset();
  const { id, secret } = server.clients.clientSecretJwt;
  const assertion = await signAssertion({ clientId: id, key: createSecretKey(Buffer.from(secret)), alg: 'HS256', audience: server.issuer });
  const accepted = await post(server.tokenUrl, withAssertion(assertion));
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const replayed = await post(server.tokenUrl, withAssertion(assertion));
  assert.deepEqual([replayed.status, replayed.body.error], [401, 'invalid_client']);

  const [record] = server.tokenRequests;
  assert.equal(record?.authMethod, 'client_secret_jwt');
  assert.equal(record?.clientId, id);
  assert.equal(record?.params.client_assertion, undefined);
  assert.equal(record?.params.client_assertion_type, JWT_BEARER);
  assert.deepEqual(record?.clientAssertion?.header, { alg: 'HS256', typ: 'JWT' });
  const claims = record!.clientAssertion!.claims;
  assert.deepEqual([claims.iss, claims.sub, claims.aud], [id, id, server.issuer]);
  assert.equal(claims.exp! - claims.iat!, 60);
  assert.match(claims.jti!, /^[\w-]{36}$/);
  assert.ok(!JSON.stringify(server.tokenRequests).includes(assertion.split('.')[2]!), 'the signature is not recorded');
});

for (const [name, clientOf, importKey] of [
  ['ES256, its key read from the PKCS#8 PEM', (s: AuthorizationServer) => s.clients.privateKeyJwtEs256, (client: KeyClient) => importPKCS8(client.key.pem, client.key.alg)],
  ['RS256, its key read from the private JWK', (s: AuthorizationServer) => s.clients.privateKeyJwtRs256, (client: KeyClient) => importJWK(client.key.jwk, client.key.alg)],
] as const) {
  test(`private_key_jwt with ${name}: accepted with aud the issuer or the token endpoint; another client's key is refused`, async () => {
    server.reset();
    const client = clientOf(server);
    const key = await importKey(client);
    for (const audience of [server.issuer, server.tokenUrl]) {
      const assertion = await signAssertion({ clientId: client.id, key, alg: client.key.alg, kid: client.key.kid, audience });
      const answer = await post(server.tokenUrl, withAssertion(assertion));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
    }
    const other = server.clients.assertion.key;
    const forged = await signAssertion({ clientId: client.id, key: other.keyObject, alg: other.alg, audience: server.issuer });
    assert.equal((await post(server.tokenUrl, withAssertion(forged))).status, 401);
    assert.deepEqual(server.tokenRequests.map((record) => [record.authMethod, record.clientAssertion?.header.alg, record.status]), [
      ['private_key_jwt', client.key.alg, 200], ['private_key_jwt', client.key.alg, 200], ['private_key_jwt', other.alg, 401],
    ]);
    assert.equal(server.tokenRequests[0]?.clientAssertion?.header.kid, client.key.kid);
  });
}

test('a ready-made assertion from signClientAssertion() is accepted once; a wrong audience is refused', async () => {
  const accepted = await post(server.tokenUrl, withAssertion(await server.signClientAssertion()));
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  const wrongAudience = await post(server.tokenUrl, withAssertion(await server.signClientAssertion({ audience: 'https://elsewhere.example' })));
  assert.deepEqual([wrongAudience.status, wrongAudience.body.error], [401, 'invalid_client']);
});

test('a 503 forced after the provider has spent the jti: the same assertion is then a replay, a new one succeeds', async () => {
  server.reset();
  const first = await server.signClientAssertion();
  server.failNextTokenRequests();
  const failed = await post(server.tokenUrl, withAssertion(first));
  assert.deepEqual([failed.status, failed.body.error, failed.headers.get('retry-after')], [503, 'temporarily_unavailable', '0']);
  assert.equal((await post(server.tokenUrl, withAssertion(first))).status, 401, 'the jti was spent');
  assert.equal((await post(server.tokenUrl, withAssertion(await server.signClientAssertion()))).status, 200);
  const jtis = server.tokenRequests.map((record) => record.clientAssertion?.claims.jti);
  assert.deepEqual(server.tokenRequests.map((record) => record.status), [503, 401, 200]);
  assert.equal(jtis[0], jtis[1]);
  assert.notEqual(jtis[1], jtis[2]);
});

test('tls_client_auth: the CA-signed certificate gets a token bound to it at the mTLS alias; no certificate, a self-signed one, or plain http do not', async () => {
  server.reset();
  const { id, certificate } = server.clients.tlsClientAuth;
  const form = { grant_type: 'client_credentials', client_id: id };
  const answer = await post(server.mtls.tokenUrl, form, tlsAgent(certificate));
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const token = await server.describeToken(answer.body.access_token as string);
  assert.equal(token?.certificateThumbprint, certificate.thumbprint);
  assert.equal(token?.clientId, id);

  assert.equal((await post(server.mtls.tokenUrl, form, tlsAgent())).status, 401);
  assert.equal((await post(server.mtls.tokenUrl, form, tlsAgent(server.certificates.selfSigned))).status, 401);
  assert.equal((await post(server.tokenUrl, form)).status, 401);
  assert.deepEqual(server.tokenRequests.map((record) => [record.authMethod, record.mtls, record.clientCertificate?.thumbprint, record.status]), [
    ['tls_client_auth', true, certificate.thumbprint, 200],
    ['none', true, undefined, 401],
    ['tls_client_auth', true, server.certificates.selfSigned.thumbprint, 401],
    ['none', false, undefined, 401],
  ]);
});

test('self_signed_tls_client_auth: the registered self-signed certificate gets a bound token; the CA-signed one does not', async () => {
  const { id, certificate } = server.clients.selfSignedTlsClientAuth;
  const form = { grant_type: 'client_credentials', client_id: id };
  const answer = await post(server.mtls.tokenUrl, form, tlsAgent(certificate));
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal((await server.describeToken(answer.body.access_token as string))?.certificateThumbprint, certificate.thumbprint);
  assert.equal((await post(server.mtls.tokenUrl, form, tlsAgent(server.certificates.client))).status, 401);
});

test('the API accepts a certificate-bound token only with the certificate it is bound to', async () => {
  const { id, certificate } = server.clients.tlsClientAuth;
  const withCertificate = tlsAgent(certificate);
  const answer = await post(server.mtls.tokenUrl, { grant_type: 'client_credentials', client_id: id }, withCertificate);
  const token = answer.body.access_token as string;
  server.reset();
  assert.equal(await callApi(server.mtls.apiUrl, token, withCertificate), 200);
  assert.equal(await callApi(server.mtls.apiUrl, token, tlsAgent(server.certificates.selfSigned)), 401);
  assert.equal(await callApi(server.mtls.apiUrl, token, tlsAgent()), 401);
  assert.equal(await callApi(server.apiUrl, token), 401);
  assert.deepEqual(server.apiRequests.map((request) => [request.outcome, request.mtls, request.clientCertificateThumbprint]), [
    ['ok', true, certificate.thumbprint],
    ['certificate_mismatch', true, server.certificates.selfSigned.thumbprint],
    ['certificate_mismatch', true, undefined],
    ['certificate_mismatch', false, undefined],
  ]);
});

test('revocation (RFC 7009) at the endpoint and at its mTLS alias makes the API refuse the token, and is recorded', async () => {
  const issued = await basicToken();
  const token = issued.body.access_token as string;
  assert.equal(await callApi(server.apiUrl, token), 200);
  server.reset();
  const { id, secret } = server.clients.basic;
  const revoked = await post(server.revocationUrl, { token, token_type_hint: 'access_token' }, undefined, basicAuthorization(id, secret));
  assert.equal(revoked.status, 200);
  assert.equal(await callApi(server.apiUrl, token), 401);
  assert.equal(await server.describeToken(token), undefined);
  assert.deepEqual(server.revocationRequests.map((record) => [record.clientId, record.authMethod, record.params, record.status]), [
    [id, 'client_secret_basic', { token, token_type_hint: 'access_token' }, 200],
  ]);
  assert.deepEqual(server.tokenRequests, []);

  const tlsClient = server.clients.tlsClientAuth;
  const agent = tlsAgent(tlsClient.certificate);
  const bound = (await post(server.mtls.tokenUrl, { grant_type: 'client_credentials', client_id: tlsClient.id }, agent)).body.access_token as string;
  assert.equal((await post(server.mtls.revocationUrl, { token: bound, client_id: tlsClient.id }, agent)).status, 200);
  assert.equal(await callApi(server.mtls.apiUrl, bound, agent), 401);
  assert.deepEqual(server.revocationRequests.at(-1)?.authMethod, 'tls_client_auth');
});

test('discovery: both well-known paths serve the same metadata with the mTLS aliases; the switches turn off the RFC 8414 path and name a wrong issuer', async (t) => {
  t.after(() => server.setDiscovery({ oauthAuthorizationServerPath: true, wrongIssuer: false }));
  const read = async (url: string) => {
    const response = await fetch(url);
    return { status: response.status, body: response.status === 200 ? await response.json() as Record<string, unknown> : (await response.arrayBuffer(), undefined) };
  };
  const rfc8414 = await read(server.discoveryUrls.oauthAuthorizationServer);
  const openid = await read(server.discoveryUrls.openidConfiguration);
  assert.equal(rfc8414.status, 200);
  assert.deepEqual(rfc8414.body, openid.body);
  const metadata = rfc8414.body!;
  assert.equal(metadata.issuer, server.issuer);
  assert.equal(metadata.token_endpoint, server.tokenUrl);
  assert.equal(metadata.revocation_endpoint, server.revocationUrl);
  assert.deepEqual(metadata.mtls_endpoint_aliases, { token_endpoint: server.mtls.tokenUrl, revocation_endpoint: server.mtls.revocationUrl });
  for (const method of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth']) {
    assert.ok((metadata.token_endpoint_auth_methods_supported as string[]).includes(method), method);
  }

  server.setDiscovery({ oauthAuthorizationServerPath: false });
  assert.equal((await read(server.discoveryUrls.oauthAuthorizationServer)).status, 404);
  assert.equal((await read(server.discoveryUrls.openidConfiguration)).status, 200);

  server.setDiscovery({ oauthAuthorizationServerPath: true, wrongIssuer: true });
  assert.equal((await read(server.discoveryUrls.oauthAuthorizationServer)).body?.issuer, WRONG_ISSUER);
  assert.equal((await read(server.discoveryUrls.openidConfiguration)).body?.issuer, WRONG_ISSUER);
});

test('resource indicators: a token per resource, each with that audience; two resources in one request are refused', async () => {
  server.reset();
  const { apiOne, apiTwo, default: fallback } = server.resources;
  const audiences = [];
  for (const resource of [apiOne, apiTwo, undefined]) {
    const answer = await basicToken(resource === undefined ? {} : { resource });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    audiences.push((await server.describeToken(answer.body.access_token as string))?.aud);
  }
  assert.deepEqual(audiences, [apiOne, apiTwo, fallback]);
  const both = await basicToken({ resource: [apiOne, apiTwo] });
  assert.deepEqual([both.status, both.body.error], [400, 'invalid_target']);
  assert.deepEqual(server.tokenRequests.map((record) => record.resources), [[apiOne], [apiTwo], [], [apiOne, apiTwo]]);
  assert.equal((await basicToken({ resource: 'https://unknown.example' })).status, 400);
});
