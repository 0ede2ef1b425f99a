// Self-test of the integration test harness, using plain fetch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAuthorizationServer } from './support/authorization-server.ts';
import type { AuthorizationServer, RegisteredClient } from './support/authorization-server.ts';

interface TokenResponse { access_token: string; token_type: string; expires_in: number; scope?: string }

/** RFC 6749 §2.3.1: application/x-www-form-urlencoded. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

const basicAuthorization = ({ id, secret }: RegisteredClient): string =>
  `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;

function requestToken(server: AuthorizationServer, form: Record<string, string>, authorization?: string): Promise<Response> {
  return fetch(server.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: new URLSearchParams(form),
  });
}

async function basicToken(server: AuthorizationServer, client: RegisteredClient, scope?: string): Promise<TokenResponse> {
  const form = { grant_type: 'client_credentials', ...(scope === undefined ? {} : { scope }) };
  const response = await requestToken(server, form, basicAuthorization(client));
  assert.equal(response.status, 200, await response.clone().text());
  return await response.json() as TokenResponse;
}

function callApi(server: AuthorizationServer, path: string, token?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.apiUrl}${path}`, {
    ...init,
    headers: { ...init.headers as Record<string, string>, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
  });
}

async function withServer(run: (server: AuthorizationServer) => Promise<void>): Promise<void> {
  const server = await startAuthorizationServer();
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

test('a client_secret_basic client gets a bearer token with form-encoded credentials', () => withServer(async (server) => {
  const authorization = basicAuthorization(server.clients.basic);
  const response = await requestToken(server, { grant_type: 'client_credentials', scope: 'read write' }, authorization);

  assert.equal(response.status, 200);
  const body = await response.json() as TokenResponse;
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, server.tokenTtlSeconds);
  assert.equal(body.scope, 'read write');
  assert.deepEqual(server.tokenRequests, [{
    clientId: server.clients.basic.id,
    authMethod: 'client_secret_basic',
    rawAuthorization: authorization,
    params: { grant_type: 'client_credentials', scope: 'read write' },
    resources: [],
    mtls: false,
    status: 200,
    accessToken: body.access_token,
    tokenType: 'Bearer',
  }]);
}));

test('the special client authenticates only with §2.3.1-encoded credentials', () => withServer(async (server) => {
  const { special } = server.clients;
  for (const reserved of [':', '%', '+', '&', '=', '/', ' ']) {
    assert.ok(special.id.includes(reserved) && special.secret.includes(reserved), `contains ${JSON.stringify(reserved)}`);
  }

  const token = await basicToken(server, special, 'read');
  const whoami = await callApi(server, '/whoami', token.access_token);
  assert.deepEqual(await whoami.json(), { clientId: special.id, scope: 'read' });

  const unencoded = `Basic ${Buffer.from(`${special.id}:${special.secret}`).toString('base64')}`;
  const rejected = await requestToken(server, { grant_type: 'client_credentials' }, unencoded);
  assert.equal(rejected.status, 400);
  assert.equal((await rejected.json() as { error: string }).error, 'invalid_request');
}));

test('a client_secret_post client gets a token and the record hides its secret', () => withServer(async (server) => {
  const { post } = server.clients;
  const response = await requestToken(server, {
    grant_type: 'client_credentials',
    client_id: post.id,
    client_secret: post.secret,
    scope: 'read',
  });

  assert.equal(response.status, 200);
  const [record] = server.tokenRequests;
  assert.equal(record?.authMethod, 'client_secret_post');
  assert.equal(record?.clientId, post.id);
  assert.equal(record?.rawAuthorization, undefined);
  assert.deepEqual(record?.params, { grant_type: 'client_credentials', client_id: post.id, scope: 'read' });
}));

test('the token endpoint answers 401 to a wrong secret and records it', () => withServer(async (server) => {
  const response = await requestToken(server, { grant_type: 'client_credentials' },
    basicAuthorization({ ...server.clients.basic, secret: 'wrong' }));

  assert.equal(response.status, 401);
  assert.equal((await response.json() as { error: string }).error, 'invalid_client');
  assert.equal(server.tokenRequests[0]?.status, 401);
  assert.equal(server.tokenRequests[0]?.accessToken, undefined);
}));

test('requested scopes are granted without a resource parameter; no scope still yields a token', () => withServer(async (server) => {
  const full = await basicToken(server, server.clients.basic, 'read write');
  const whoami = await callApi(server, '/whoami', full.access_token);
  assert.equal(whoami.status, 200);
  assert.deepEqual(await whoami.json(), { clientId: server.clients.basic.id, scope: 'read write' });
  assert.equal((await callApi(server, '/write', full.access_token)).status, 200);

  const unscoped = await basicToken(server, server.clients.basic);
  assert.equal(unscoped.scope, undefined);
  assert.deepEqual(await (await callApi(server, '/whoami', unscoped.access_token)).json(),
    { clientId: server.clients.basic.id, scope: '' });
}));

test('the API answers insufficient_scope when write was not granted', () => withServer(async (server) => {
  const { access_token: token } = await basicToken(server, server.clients.basic, 'read');
  const response = await callApi(server, '/write', token);

  assert.equal(response.status, 403);
  assert.equal(response.headers.get('www-authenticate'), 'Bearer error="insufficient_scope", scope="write"');
  assert.equal(server.apiRequests.at(-1)?.outcome, 'insufficient_scope');
}));

test('the API challenges a missing or unknown token and accepts any case of "Bearer"', () => withServer(async (server) => {
  const missing = await callApi(server, '/whoami');
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="api"');

  const unknown = await callApi(server, '/whoami', 'not-a-token');
  assert.equal(unknown.status, 401);
  assert.match(unknown.headers.get('www-authenticate') ?? '', /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/);

  const { access_token: token } = await basicToken(server, server.clients.basic, 'read');
  const lowerCase = await fetch(`${server.apiUrl}/whoami`, { headers: { authorization: `bearer ${token}` } });
  assert.equal(lowerCase.status, 200);

  assert.deepEqual(server.apiRequests.map((r) => [r.method, r.path, r.authorization, r.outcome]), [
    ['GET', '/api/whoami', undefined, 'missing_token'],
    ['GET', '/api/whoami', 'Bearer not-a-token', 'invalid_token'],
    ['GET', '/api/whoami', `bearer ${token}`, 'ok'],
  ]);
}));

test('the API echoes a POST body with its content-type and answers 404 elsewhere', () => withServer(async (server) => {
  const { access_token: token } = await basicToken(server, server.clients.basic, 'read');
  const echoed = await callApi(server, '/echo', token, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"n":1}',
  });
  assert.equal(echoed.status, 200);
  assert.equal(echoed.headers.get('content-type'), 'application/json');
  assert.equal(await echoed.text(), '{"n":1}');

  const missing = await callApi(server, '/nowhere', token);
  assert.equal(missing.status, 404);
  assert.deepEqual(await missing.json(), { error: 'not_found' });
}));

test('a shortLived token is rejected as invalid_token once its TTL has passed', () => withServer(async (server) => {
  const token = await basicToken(server, server.clients.shortLived, 'read');
  assert.equal(token.expires_in, server.shortTokenTtlSeconds);
  assert.equal((await callApi(server, '/whoami', token.access_token)).status, 200);

  await sleep((server.shortTokenTtlSeconds + 1) * 1000);
  const expired = await callApi(server, '/whoami', token.access_token);
  assert.equal(expired.status, 401);
  assert.match(expired.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
}));

test('revokeAllTokens invalidates every token issued, even after reset()', () => withServer(async (server) => {
  const first = await basicToken(server, server.clients.basic, 'read');
  server.reset();
  const second = await basicToken(server, server.clients.special, 'read');
  await server.revokeAllTokens();

  for (const { access_token: token } of [first, second]) {
    const response = await callApi(server, '/whoami', token);
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  }
  assert.equal((await basicToken(server, server.clients.basic, 'read')).token_type, 'Bearer');
}));

test('setTokenEndpointDelay delays token responses and reset() forgets records', () => withServer(async (server) => {
  server.setTokenEndpointDelay(300);
  const started = performance.now();
  await basicToken(server, server.clients.basic);
  assert.ok(performance.now() - started >= 290);

  await callApi(server, '/whoami');
  server.reset();
  assert.deepEqual([server.tokenRequests, server.apiRequests], [[], []]);
}));

test('close() leaves nothing open, so a process using the harness exits', () => {
  const script = `
    import { startAuthorizationServer } from './test/support/authorization-server.ts';
    const server = await startAuthorizationServer();
    const auth = 'Basic ' + Buffer.from('basic-client:basic-secret').toString('base64');
    const response = await fetch(server.tokenUrl, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { access_token } = await response.json();
    await fetch(server.apiUrl + '/whoami', { headers: { authorization: 'Bearer ' + access_token } });
    await server.close();
  `;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: new URL('..', import.meta.url),
    encoding: 'utf8',
    timeout: 20_000,
  });

  assert.equal(child.error, undefined, 'the process must exit by itself');
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout + child.stderr, '', 'the harness must be quiet');
});
