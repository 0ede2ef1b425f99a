// oauth-ccg/undici against the real authorization server (oidc-provider) and its API: the same single flight,
// 401 replay, origin rule and DPoP headers as client.fetch, for undici.request and undici.fetch on a composed dispatcher.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Agent, fetch as undiciFetch, interceptors, request, type Dispatcher } from 'undici';
import { Client, ConfigurationError, OAuthProviderError, type ClientConfiguration } from 'oauth-ccg';
import { oauthInterceptor } from 'oauth-ccg/undici';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { basicClientOf, checkDpopNonceAnsweredOnce } from './support/http-stack-checks.ts';
import { startRecorder } from './support/recorder.ts';

let server: AuthorizationServer;
const agents: Agent[] = [];
before(async () => {
  server = await startAuthorizationServer();
});
after(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  await server.close();
});
beforeEach(() => server.reset());

const clientFor = (options: Partial<ClientConfiguration> = {}): Client => basicClientOf(server, options);

/** A dispatcher with the client's interceptor, and undici's redirect interceptor around it, as the adapter's documentation says. */
function dispatcherFor(client: Client): Dispatcher {
  const agent = new Agent();
  agents.push(agent);
  return agent.compose(oauthInterceptor(client), interceptors.redirect({ maxRedirections: 3 }));
}

/** Sends a request to `url` (a GET unless `options.method` says otherwise): its status, and its body as text. */
async function call(dispatcher: Dispatcher, url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod } = {}): Promise<{ status: number; text: string }> {
  const { statusCode, body } = await request(url, { ...options, dispatcher });
  return { status: statusCode, text: await body.text() };
}

const issuedTokens = () => server.tokenRequests.filter((record) => record.status === 200).length;

describe('tokens on undici requests', () => {
  test('a cold burst of 50 calls makes 1 token request, and every call carries its token', async () => {
    const dispatcher = dispatcherFor(clientFor());
    const responses = await Promise.all(Array.from({ length: 50 }, () => call(dispatcher, `${server.apiUrl}/whoami`)));
    assert.deepEqual(new Set(responses.map((response) => response.status)), new Set([200]));
    assert.equal(JSON.parse(responses[0]!.text).clientId, server.clients.basic.id);
    assert.equal(server.tokenRequests.length, 1);
    const issued = server.tokenRequests[0]?.accessToken;
    assert.ok(server.apiRequests.every((record) => record.authorization === `Bearer ${issued}`));
  });

  test('a 401 storm on a revoked token gets 1 new token, and every call succeeds without seeing the 401', async () => {
    const dispatcher = dispatcherFor(clientFor());
    await call(dispatcher, `${server.apiUrl}/whoami`);
    await server.revokeAllTokens();
    const responses = await Promise.all(Array.from({ length: 50 }, () => call(dispatcher, `${server.apiUrl}/whoami`)));
    assert.ok(responses.every((response) => response.status === 200 && JSON.parse(response.text).clientId === server.clients.basic.id));
    assert.equal(issuedTokens(), 2);
    assert.equal(server.apiRequests.filter((record) => record.outcome === 'invalid_token').length, 50);
  });

  test('undici.fetch on the dispatcher gets the token, and a refused one is replaced', async () => {
    const dispatcher = dispatcherFor(clientFor());
    assert.equal((await undiciFetch(`${server.apiUrl}/whoami`, { dispatcher })).status, 200);
    await server.revokeAllTokens();
    const response = await undiciFetch(`${server.apiUrl}/whoami`, { dispatcher });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { clientId: string }).clientId, server.clients.basic.id);
    assert.deepEqual(server.apiRequests.map((record) => record.outcome), ['ok', 'invalid_token', 'ok']);
  });

  test('a replayed request sends its body again', async () => {
    const dispatcher = dispatcherFor(clientFor());
    await call(dispatcher, `${server.apiUrl}/whoami`);
    await server.revokeAllTokens();
    const response = await call(dispatcher, `${server.apiUrl}/echo`, { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    assert.deepEqual(response, { status: 200, text: 'payload' });
    assert.deepEqual(server.apiRequests.map((record) => record.outcome), ['ok', 'invalid_token', 'ok']);
  });

  test('a one-shot stream body is not replayed: its 401 is returned as it is, and the next call gets a new token', async () => {
    const dispatcher = dispatcherFor(clientFor());
    await call(dispatcher, `${server.apiUrl}/whoami`);
    await server.revokeAllTokens();
    const response = await call(dispatcher, `${server.apiUrl}/echo`, { method: 'POST', body: Readable.from(['streamed']) });
    assert.equal(response.status, 401);
    assert.equal(JSON.parse(response.text).error, 'invalid_token');
    assert.equal(issuedTokens(), 1, 'no token was fetched for a replay that could not happen');
    assert.equal((await call(dispatcher, `${server.apiUrl}/whoami`)).status, 200);
    assert.equal(issuedTokens(), 2, 'the refused token was dropped all the same');
  });

  test('the token is set over any Authorization the caller gave, in either form of headers', async () => {
    const dispatcher = dispatcherFor(clientFor());
    assert.equal((await call(dispatcher, `${server.apiUrl}/whoami`, { headers: ['Authorization', 'Bearer stale', 'x-request', 'one'] })).status, 200);
    assert.equal((await call(dispatcher, `${server.apiUrl}/whoami`, { headers: { AUTHORIZATION: 'Bearer stale' } })).status, 200);
    const token = server.tokenRequests[0]?.accessToken;
    assert.deepEqual(server.apiRequests.map((record) => record.authorization), [`Bearer ${token}`, `Bearer ${token}`]);
  });

  test('a refusal that a new token cannot help is handed on whole, body included', async () => {
    // A provider with only the one token: after the 401 the renewed token is the refused one, so there is nothing to replay.
    const api = await startRecorder((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end('refused'));
    try {
      const client = new Client({ baseUrl: api.url, clientCredentialsAuthCredentials: { oAuthTokenProvider: () => ({ accessToken: 'the-only-token', expiresIn: 600 }) } });
      assert.deepEqual(await call(dispatcherFor(client), `${api.url}/things`), { status: 401, text: 'refused' });
      assert.equal(api.requests.length, 1);
    } finally {
      await api.close();
    }
  });

  test('a token error fails the request with that error, and nothing reaches the API', async () => {
    const client = new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: 'not-the-secret' } });
    await assert.rejects(call(dispatcherFor(client), `${server.apiUrl}/whoami`), OAuthProviderError);
    assert.equal(server.apiRequests.length, 0);
  });

  test('a client without baseUrl cannot make an interceptor', () => {
    assert.throws(() => oauthInterceptor(new Client({ tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret' } })), ConfigurationError);
  });
});

describe('the token goes only to the API\'s origin', () => {
  test('a request to another origin carries no token and costs none', async () => {
    const elsewhere = await startRecorder();
    try {
      const dispatcher = dispatcherFor(clientFor());
      await call(dispatcher, `${elsewhere.url}/request`);
      await (await undiciFetch(`${elsewhere.url}/fetch`, { dispatcher })).text();
      assert.deepEqual(elsewhere.requests.map((record) => [record.path, record.authorization]), [['/request', undefined], ['/fetch', undefined]]);
      assert.equal(server.tokenRequests.length, 0);
    } finally {
      await elsewhere.close();
    }
  });

  test('a redirect from the API to another origin carries neither the token nor its DPoP proof there', async () => {
    const landed: IncomingHttpHeaders[] = [];
    const elsewhere = await startRecorder((req, res) => {
      landed.push(req.headers);
      res.end('landed');
    });
    const redirecting = await startRecorder((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/landing` }).end());
    try {
      for (const dpop of [undefined, true as const]) {
        const dispatcher = dispatcherFor(clientFor({ baseUrl: redirecting.url, dpop }));
        assert.deepEqual(await call(dispatcher, `${redirecting.url}/start`), { status: 200, text: 'landed' });
      }
      assert.deepEqual(redirecting.requests.map((record) => record.authorization?.split(' ')[0]), ['Bearer', 'DPoP']);
      assert.equal(landed.length, 2);
      assert.ok(landed.every((headers) => headers.authorization === undefined && headers.dpop === undefined), 'no token, no proof');
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });

  test('with undici\'s redirect interceptor inside this one, another origin\'s 401 after a redirect costs no token', async () => {
    const elsewhere = await startRecorder((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer realm="elsewhere"' }).end('log in first'));
    const redirecting = await startRecorder((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/login` }).end());
    try {
      const agent = new Agent();
      agents.push(agent);
      const dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 3 }), oauthInterceptor(clientFor({ baseUrl: redirecting.url })));
      for (let attempt = 0; attempt < 3; attempt++) assert.equal((await call(dispatcher, `${redirecting.url}/moved`)).status, 401);
      assert.equal(issuedTokens(), 1, 'one token for all three calls');
      assert.deepEqual(elsewhere.requests.map((record) => record.authorization), [undefined, undefined, undefined]);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });
});

describe('DPoP', () => {
  test('a DPoP token with a fresh proof per request; the API\'s nonce is answered by one replay', () =>
    checkDpopNonceAnsweredOnce(server, async () => {
      const dispatcher = dispatcherFor(clientFor({ dpop: true }));
      assert.equal((await call(dispatcher, `${server.apiUrl}/whoami`)).status, 200);
      assert.deepEqual(await call(dispatcher, `${server.apiUrl}/echo`, { method: 'POST', body: 'payload' }), { status: 200, text: 'payload' });
    }));
});
