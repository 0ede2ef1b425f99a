// oauth-ccg/axios against the real authorization server (oidc-provider) and its API: the same single flight,
// 401 replay, origin rule and DPoP headers as client.fetch, through an axios instance.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { Client, ConfigurationError, OAuthProviderError, type ClientConfiguration } from 'oauth-ccg';
import { attachClient } from 'oauth-ccg/axios';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { basicClientOf, checkDpopNonceAnsweredOnce } from './support/http-stack-checks.ts';
import { startRecorder } from './support/recorder.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer();
});
after(() => server.close());
beforeEach(() => server.reset());

const clientFor = (options: Partial<ClientConfiguration> = {}): Client => basicClientOf(server, options);

/** An axios instance on the API with `client` attached. */
function apiFor(client: Client, baseURL = server.apiUrl): AxiosInstance {
  const api = axios.create({ baseURL });
  attachClient(api, client);
  return api;
}

const issuedTokens = () => server.tokenRequests.filter((request) => request.status === 200).length;

describe('tokens on axios requests', () => {
  test('a cold burst of 50 calls makes 1 token request, and every call carries its token', async () => {
    const api = apiFor(clientFor());
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.get('/whoami')));
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(responses[0]?.data.clientId, server.clients.basic.id);
    assert.equal(server.tokenRequests.length, 1);
    const issued = server.tokenRequests[0]?.accessToken;
    assert.ok(server.apiRequests.every((request) => request.authorization === `Bearer ${issued}`));
  });

  test('a 401 storm on a revoked token gets 1 new token, and every call succeeds', async () => {
    const api = apiFor(clientFor());
    await api.get('/whoami');
    await server.revokeAllTokens();
    const responses = await Promise.all(Array.from({ length: 50 }, () => api.get('/whoami')));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(issuedTokens(), 2);
    assert.equal(server.apiRequests.filter((request) => request.outcome === 'invalid_token').length, 50);
    assert.equal(server.apiRequests.filter((request) => request.outcome === 'ok').length, 51);
  });

  test('with validateStatus taking every status, a refused token is replayed all the same', async () => {
    const client = clientFor();
    const api = axios.create({ baseURL: server.apiUrl, validateStatus: () => true });
    attachClient(api, client);
    await api.get('/whoami');
    await server.revokeAllTokens();
    assert.equal((await api.get('/whoami')).status, 200);
    assert.deepEqual(server.apiRequests.map((request) => request.outcome), ['ok', 'invalid_token', 'ok']);
  });

  test('a replayed request sends its JSON body again', async () => {
    const api = apiFor(clientFor());
    await api.get('/whoami');
    await server.revokeAllTokens();
    const response = await api.post('/echo', { greeting: 'hello' });
    assert.deepEqual(response.data, { greeting: 'hello' });
    assert.deepEqual(server.apiRequests.map((request) => request.outcome), ['ok', 'invalid_token', 'ok']);
  });

  test('a one-shot stream body is not replayed: its 401 is returned as it is, and the next call gets a new token', async () => {
    const api = apiFor(clientFor());
    await api.get('/whoami');
    await server.revokeAllTokens();
    await assert.rejects(api.post('/echo', Readable.from(['streamed']), { headers: { 'content-type': 'text/plain' } }), (error: unknown) => error instanceof AxiosError && error.response?.status === 401);
    assert.equal(issuedTokens(), 1, 'no token was fetched for a replay that could not happen');
    assert.equal((await api.get('/whoami')).status, 200);
    assert.equal(issuedTokens(), 2, 'the refused token was dropped all the same');
  });

  test('a token error rejects the call with that error, and nothing reaches the API', async () => {
    const client = new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: 'not-the-secret' } });
    await assert.rejects(apiFor(client).get('/whoami'), OAuthProviderError);
    assert.equal(server.apiRequests.length, 0);
  });

  test("an error the API's status causes carries no token: axios's copy of the request headers is redacted", async () => {
    const failing = await startRecorder((_req, res) => void res.writeHead(500).end('down'));
    try {
      const api = apiFor(clientFor({ baseUrl: failing.url }), failing.url);
      const error = await api.get('/things').then(() => assert.fail('a 500 resolved'), (caught: unknown) => caught);
      assert.ok(error instanceof AxiosError && error.response?.status === 500);
      const token = failing.requests[0]!.authorization!.replace(/^Bearer /, '');
      assert.ok(token.length > 10);
      assert.ok(!JSON.stringify(error.toJSON()).includes(token), 'toJSON() shows the token');
      assert.ok(!JSON.stringify(error.config?.headers).includes(token), 'config.headers shows the token');
      assert.ok(!inspect(error, { depth: 20 }).includes(token), 'util.inspect shows the token (the request axios keeps holds the header text)');
      assert.ok(error.request, 'the request is still there for code that reads it');
      // Sent again by the caller, the request is authorized anew.
      assert.equal((await api.request(error.config!).catch((again: AxiosError) => again.response))?.status, 500);
      assert.equal(failing.requests[1]!.authorization, `Bearer ${token}`);
    } finally {
      await failing.close();
    }
  });

  test('a client without baseUrl cannot be attached', () => {
    assert.throws(() => attachClient(axios.create(), new Client({ tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret' } })), ConfigurationError);
  });

  test('once detached, the instance sends no token', async () => {
    const api = axios.create({ baseURL: server.apiUrl, validateStatus: () => true });
    const detach = attachClient(api, clientFor());
    assert.equal((await api.get('/whoami')).status, 200);
    detach();
    assert.equal((await api.get('/whoami')).status, 401);
    assert.deepEqual(server.apiRequests.map((request) => request.outcome), ['ok', 'missing_token']);
  });
});

describe('the token goes only to the API\'s origin', () => {
  test('a request to another origin, absolute or by the instance\'s baseURL, carries no token and costs none', async () => {
    const elsewhere = await startRecorder();
    try {
      const client = clientFor();
      await apiFor(client).get(`${elsewhere.url}/absolute`);
      await apiFor(client, elsewhere.url).get('/relative');
      assert.deepEqual(elsewhere.requests.map((request) => [request.path, request.authorization]), [['/absolute', undefined], ['/relative', undefined]]);
      assert.equal(server.tokenRequests.length, 0);
    } finally {
      await elsewhere.close();
    }
  });

  test('a redirect from the API to another origin carries no token there', async () => {
    const elsewhere = await startRecorder();
    const redirecting = await startRecorder((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/landing` }).end());
    try {
      const api = apiFor(clientFor({ baseUrl: redirecting.url }), redirecting.url);
      assert.equal((await api.get('/start')).status, 200);
      assert.match(redirecting.requests[0]?.authorization ?? '', /^Bearer /);
      assert.deepEqual(elsewhere.requests.map((request) => [request.path, request.authorization]), [['/landing', undefined]]);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  // Recent axios drops Authorization itself at a hop to another origin (follow-redirects alone keeps it for a
  // subdomain), but it keeps the DPoP proof, which carries the token's hash: only the adapter's hook drops it.
  test('a redirect to another origin carries neither the DPoP token nor its proof, and the other origin\'s 401 costs no token', async () => {
    const landed: IncomingHttpHeaders[] = [];
    const elsewhere = await startRecorder((req, res) => {
      landed.push(req.headers);
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="elsewhere"' }).end('log in first');
    });
    const redirecting = await startRecorder((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/landing` }).end());
    try {
      const client = clientFor({ baseUrl: redirecting.url, dpop: true });
      const api = axios.create({ baseURL: redirecting.url, validateStatus: () => true });
      attachClient(api, client);
      for (let call = 0; call < 2; call++) assert.equal((await api.get('/start')).status, 401);
      assert.match(redirecting.requests[0]?.authorization ?? '', /^DPoP /);
      assert.equal(landed.length, 2);
      assert.ok(landed.every((headers) => headers.authorization === undefined && headers.dpop === undefined), 'no token, no proof');
      assert.equal(issuedTokens(), 1, 'the other origin\'s 401 says nothing about the token');
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });
});

describe('DPoP', () => {
  test('a DPoP token with a fresh proof per request; the API\'s nonce is answered by one replay', () =>
    checkDpopNonceAnsweredOnce(server, async () => {
      const api = apiFor(clientFor({ dpop: true }));
      assert.equal((await api.get('/whoami')).status, 200);
      assert.equal((await api.post('/echo', 'payload', { headers: { 'content-type': 'text/plain' } })).data, 'payload');
    }));
});
