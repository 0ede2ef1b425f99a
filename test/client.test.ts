// The Client against a real authorization server (oidc-provider) and a protected API that checks its tokens.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client,
  ClientCredentialsAuthManager,
  ConfigurationError,
  InvalidTokenError,
  NetworkError,
  OAuthProviderError,
  type ClientConfiguration,
  type ClientCredentialsAuthCredentials,
  type OAuthEvent,
  type OAuthToken,
  type OAuthTokenInput,
  TimeoutError,
} from 'oauth-ccg';
import { API_RESOURCE, startAuthorizationServer, type AuthorizationServer, type RegisteredClient } from './support/authorization-server.ts';
import { startRecorder } from './support/recorder.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer({ shortTokenTtlSeconds: 2 });
});
after(() => server.close());
beforeEach(() => server.reset());

function clientFor(
  registered: RegisteredClient,
  credentials: Partial<ClientCredentialsAuthCredentials> = {},
  options: Partial<ClientConfiguration> = {},
): Client {
  return new Client({
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    ...options,
    clientCredentialsAuthCredentials: { oAuthClientId: registered.id, oAuthClientSecret: registered.secret, ...credentials },
  });
}

const issuedTokens = () => server.tokenRequests.filter((request) => request.status === 200).length;
const bearerOf = (token: OAuthToken) => `Bearer ${token.accessToken}`;

describe('first call and reuse', () => {
  test('the first call fetches a token and later calls reuse it', async () => {
    const client = clientFor(server.clients.basic, { oAuthScopes: ['read', 'write'] });
    const first = await client.fetch('/whoami');
    assert.equal(first.status, 200);
    assert.deepEqual(await first.json(), { clientId: server.clients.basic.id, scope: 'read write' });
    for (let i = 0; i < 20; i++) assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(server.apiRequests.length, 21);
    assert.ok(server.apiRequests.every((request) => request.authorization === bearerOf(client.clientCredentialsAuthManager.token!)));
  });

  test('baseUrl keeps its path prefix and an absolute URL is used as it is', async () => {
    const client = clientFor(server.clients.basic);
    assert.equal((await client.fetch('whoami')).status, 200);
    assert.equal((await client.fetch(`${server.apiUrl}/whoami`)).status, 200);
    assert.equal((await client.fetch(new URL(`${server.apiUrl}/nowhere`))).status, 404);
    // A scheme-relative "//host/path" is still a path under baseUrl: the token never leaves for another host.
    assert.equal((await client.fetch('//whoami')).status, 200);
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.deepEqual(
      server.apiRequests.map((request) => request.path),
      ['/api/whoami', '/api/whoami', '/api/nowhere', '/api/whoami', '/api/whoami'],
    );
  });

  test('like fetch, client.fetch rejects and never throws, whatever its input', async () => {
    const client = clientFor(server.clients.basic);
    const calls: Array<() => Promise<Response>> = [
      () => client.fetch('http://[not-a-host/'),
      () => client.fetch(new Request(`${server.apiUrl}/whoami`), { method: 'GET', body: 'a GET cannot have a body' }),
    ];
    for (const call of calls) {
      let pending: Promise<Response> | undefined;
      assert.doesNotThrow(() => (pending = call()));
      await assert.rejects(pending!, TypeError);
    }
    assert.equal(server.apiRequests.length, 0);
  });

  test('a token near its expiry is replaced before the API can refuse it', async () => {
    const client = clientFor(server.clients.shortLived);
    assert.equal((await client.fetch('/whoami')).status, 200);
    const firstToken = client.clientCredentialsAuthManager.token!;
    assert.equal(firstToken.expiresIn, server.shortTokenTtlSeconds);
    await sleep(server.shortTokenTtlSeconds * 1000 + 200);
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(issuedTokens(), 2);
    assert.notEqual(client.clientCredentialsAuthManager.token!.accessToken, firstToken.accessToken);
    assert.ok(server.apiRequests.every((request) => request.outcome === 'ok'));
  });

  test('readyToken gives the held token only while it may be sent, and never waits', async () => {
    const manager = clientFor(server.clients.shortLived).clientCredentialsAuthManager;
    assert.equal(manager.readyToken(), undefined, 'nothing is held before the first token');
    assert.equal(server.tokenRequests.length, 0, 'readyToken never fetches in the foreground');
    const token = await manager.getToken();
    assert.deepEqual(manager.readyToken(), token);
    await sleep(server.shortTokenTtlSeconds * 1000);
    assert.equal(manager.readyToken(), undefined, 'an expired token is not ready');
    assert.equal(manager.token?.accessToken, token.accessToken, 'though it is still held');

    const stored = new ClientCredentialsAuthManager({
      tokenUrl: server.tokenUrl,
      clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret, oAuthToken: { accessToken: 'stored', expiresIn: 60 } },
    });
    assert.equal(stored.readyToken()?.accessToken, 'stored');
  });

  test('oAuthClockSkew decides when a token stops being used', async () => {
    // A 300 s token with a 290 s skew would be unusable after 10 s; for use, the skew is capped at half the lifetime.
    const skewed = clientFor(server.clients.basic, { oAuthClockSkew: 290 });
    await skewed.fetch('/whoami');
    await skewed.fetch('/whoami');
    assert.equal(server.tokenRequests.length, 1);
    const manager = skewed.clientCredentialsAuthManager;
    const token = manager.token!;
    assert.equal(manager.isExpired(token), false);
    assert.equal(manager.isExpired(token, 301), true);
    assert.equal(manager.isExpired({ expiry: Math.floor(Date.now() / 1000) + 30 }, 60), true);
    assert.equal(manager.isExpired({ expiry: Math.floor(Date.now() / 1000) + 90 }, 60), false);
  });
});

describe('single flight', () => {
  test('1,000 concurrent first calls make exactly one token request', async () => {
    const client = clientFor(server.clients.basic);
    const responses = await Promise.all(Array.from({ length: 1000 }, () => client.fetch('/whoami')));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(new Set(server.apiRequests.map((request) => request.authorization)).size, 1);
  });

  test('different scope sets are different tokens, never shared', async () => {
    const reader = clientFor(server.clients.basic, { oAuthScopes: ['read'] });
    const writer = clientFor(server.clients.basic, { oAuthScopes: ['read', 'write'] });
    const [read, write] = await Promise.all([reader.fetch('/write'), writer.fetch('/write')]);
    assert.equal(read.status, 403);
    assert.equal(write.status, 200);
    assert.equal(server.tokenRequests.length, 2);
  });

  test('concurrent fetchToken calls share a request only when their parameters match', async () => {
    const manager = clientFor(server.clients.basic).clientCredentialsAuthManager;
    const [a, b, c] = await Promise.all([
      manager.fetchToken(),
      manager.fetchToken(),
      manager.fetchToken({ resource: API_RESOURCE }),
    ]);
    assert.equal(a.accessToken, b.accessToken);
    assert.notEqual(a.accessToken, c.accessToken);
    assert.equal(server.tokenRequests.length, 2);
    assert.deepEqual(server.tokenRequests.map((request) => request.params.resource).sort(), [API_RESOURCE, undefined].sort());
  });
});

describe('failures are not cached', () => {
  test('after a failed token request the next call tries again and succeeds', async () => {
    let failNext = true;
    const client = clientFor(server.clients.basic, {}, {
      tokenRequestAttempts: 1,
      fetch: (input, init) => {
        if (failNext && String(input instanceof Request ? input.url : input).startsWith(server.tokenUrl)) {
          failNext = false;
          return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }));
        }
        return fetch(input, init);
      },
    });
    await assert.rejects(client.fetch('/whoami'), NetworkError);
    assert.equal(server.apiRequests.length, 0, 'no API request goes out without a token');
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 1);
  });

  test('a wrong secret is an OAuthProviderError that says what to check', async () => {
    const client = clientFor({ id: server.clients.basic.id, secret: 'wrong' });
    const error = await client.fetch('/whoami').catch((caught: unknown) => caught);
    assert.ok(error instanceof OAuthProviderError);
    assert.equal(error.error, 'invalid_client');
    assert.equal(error.statusCode, 401);
    assert.match(error.message, /invalid_client.*its credential \(secret, key, assertion or certificate\)/);
    assert.equal(server.tokenRequests.length, 1, 'invalid_client is not retried');
    assert.equal(server.apiRequests.length, 0);
  });
});

describe('token provider', () => {
  test('is called with undefined first, then with the last token, and may use fetchToken', async () => {
    const seen: (OAuthToken | undefined)[] = [];
    const client = clientFor(server.clients.shortLived, {
      oAuthTokenProvider: (last, authManager) => {
        seen.push(last);
        return authManager.fetchToken();
      },
    });
    assert.equal((await client.fetch('/whoami')).status, 200);
    await sleep(server.shortTokenTtlSeconds * 1000 + 100);
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], undefined);
    assert.equal(seen[1]?.accessToken, server.tokenRequests[0]?.accessToken);
  });

  test('a stored token it returns is used without a token request', async () => {
    const stored = await clientFor(server.clients.basic).clientCredentialsAuthManager.fetchToken();
    server.reset();
    const client = new Client({
      baseUrl: server.apiUrl,
      clientCredentialsAuthCredentials: { oAuthTokenProvider: async () => JSON.parse(JSON.stringify(stored)) },
    });
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 0);
    assert.equal(server.apiRequests[0]?.authorization, bearerOf(stored));
  });

  test('one that never settles fails its callers after tokenProviderTimeout, and the next call asks it again', { timeout: 10_000 }, async () => {
    let calls = 0;
    const client = clientFor(
      server.clients.basic,
      { oAuthTokenProvider: (_last, authManager) => (++calls === 1 ? new Promise<never>(() => {}) : authManager.fetchToken()) },
      { tokenProviderTimeout: 100 },
    );
    const waiting = [client.fetch('/whoami'), client.clientCredentialsAuthManager.getToken()];
    for (const caller of waiting) {
      await assert.rejects(caller, (error: unknown) => error instanceof TimeoutError && /oAuthTokenProvider did not settle within 100 ms/.test(error.message));
    }
    assert.equal(server.apiRequests.length, 0, 'no request went out without its token');
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(calls, 2, 'the callers shared the first call; the next call made a second');
  });

  test('what it does after tokenProviderTimeout is ignored: a late token is not used, a late rejection is never unhandled', { timeout: 10_000 }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const late = async (outcome: () => OAuthTokenInput) => (await sleep(150), outcome());
      const client = clientFor(
        server.clients.basic,
        {
          oAuthTokenProvider: (_last, authManager) => {
            calls++;
            if (calls === 1) return late(() => { throw new Error('late failure'); });
            if (calls === 2) return late(() => ({ accessToken: 'late-token', expiresIn: 600 }));
            return authManager.fetchToken();
          },
        },
        { tokenProviderTimeout: 50 },
      );
      await assert.rejects(client.fetch('/whoami'), TimeoutError);
      await assert.rejects(client.fetch('/whoami'), TimeoutError);
      await sleep(250); // both late outcomes have now arrived
      assert.equal((await client.fetch('/whoami')).status, 200);
      assert.notEqual(client.clientCredentialsAuthManager.token?.accessToken, 'late-token');
      assert.deepEqual(
        server.apiRequests.map((request) => request.authorization),
        [`Bearer ${server.tokenRequests[0]?.accessToken}`],
      );
      await sleep(10); // an unhandled rejection is reported after a turn of the event loop
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  test('an expired or malformed token from it is an error for the caller, never a loop', async () => {
    for (const returned of [
      { accessToken: 'stale', expiry: BigInt(Date.now()) },
      { accessToken: 'stale', expiry: Math.floor(Date.now() / 1000) - 10 },
      { tokenType: 'Bearer' },
      { accessToken: 'has a space' },
      { accessToken: 'mac', tokenType: 'MAC' },
    ]) {
      let calls = 0;
      const client = new Client({
        baseUrl: server.apiUrl,
        clientCredentialsAuthCredentials: { oAuthTokenProvider: () => (calls++, returned as never) },
      });
      await assert.rejects(client.fetch('/whoami'), InvalidTokenError);
      assert.equal(calls, 1);
    }
    assert.equal(server.apiRequests.length, 0);
  });
});

describe('oAuthOnTokenUpdate', () => {
  test('is called exactly once for each new token, from the endpoint and from the provider', async () => {
    const updates: OAuthToken[] = [];
    const client = clientFor(server.clients.shortLived, { oAuthOnTokenUpdate: (token) => void updates.push(token) });
    await Promise.all(Array.from({ length: 50 }, () => client.fetch('/whoami')));
    await sleep(server.shortTokenTtlSeconds * 1000 + 100);
    await Promise.all(Array.from({ length: 50 }, () => client.fetch('/whoami')));
    assert.equal(updates.length, 2);
    assert.deepEqual(updates.map((token) => token.accessToken), server.tokenRequests.map((request) => request.accessToken));
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(updates[0])));

    const fromProvider: OAuthToken[] = [];
    const provided = new Client({
      baseUrl: server.apiUrl,
      clientCredentialsAuthCredentials: {
        oAuthTokenProvider: () => ({ accessToken: updates[1]!.accessToken, expiresIn: 60n }),
        oAuthOnTokenUpdate: (token) => void fromProvider.push(token),
      },
    });
    await Promise.all(Array.from({ length: 10 }, () => provided.fetch('/whoami')));
    assert.equal(fromProvider.length, 1);
    assert.equal(fromProvider[0]?.expiresIn, 60);
  });

  test('a callback that throws or rejects never fails the call nor crashes the process, and is reported', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (const callback of [
        () => {
          throw new Error('disk full');
        },
        async () => {
          throw new Error('database down');
        },
      ]) {
        const events: OAuthEvent[] = [];
        const client = clientFor(server.clients.basic, { oAuthOnTokenUpdate: callback }, { onEvent: (event) => events.push(event) });
        assert.equal((await client.fetch('/whoami')).status, 200);
        await sleep(10);
        const reported = events.filter((event) => event.type === 'callback-error');
        assert.equal(reported.length, 1);
        assert.match(String((reported[0] as { error: Error }).error.message), /disk full|database down/);
      }
      await sleep(10);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('401 from the API', () => {
  test('100 concurrent 401s on one revoked token lead to one new token and 100 successes', async () => {
    const client = clientFor(server.clients.basic);
    await client.fetch('/whoami');
    await server.revokeAllTokens();
    const responses = await Promise.all(Array.from({ length: 100 }, () => client.fetch('/whoami')));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(issuedTokens(), 2);
    assert.equal(server.apiRequests.filter((request) => request.outcome === 'invalid_token').length, 100);
  });

  test('a replayed request sends its body again', async () => {
    const client = clientFor(server.clients.basic);
    await client.fetch('/whoami');
    await server.revokeAllTokens();
    const response = await client.fetch('/echo', { method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'payload');
  });

  test('a Request object is authorized, and its body replayed after a 401', async () => {
    const client = clientFor(server.clients.basic);
    await client.fetch('/whoami');
    await server.revokeAllTokens();
    const request = new Request(`${server.apiUrl}/echo`, { method: 'POST', body: 'from a Request', headers: { 'content-type': 'text/plain' } });
    const response = await client.fetch(request);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'from a Request');
    assert.deepEqual(server.apiRequests.map((call) => call.outcome), ['ok', 'invalid_token', 'ok']);
  });

  test('a one-shot stream body is not replayed, but the next call gets a new token', async () => {
    const client = clientFor(server.clients.basic);
    await client.fetch('/whoami');
    await server.revokeAllTokens();
    const body = new Blob(['streamed']).stream();
    const response = await client.fetch('/echo', { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(response.status, 401);
    assert.equal(issuedTokens(), 1);
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(issuedTokens(), 2);
  });

  test('403 insufficient_scope is not retried', async () => {
    const client = clientFor(server.clients.basic, { oAuthScopes: ['read'] });
    const response = await client.fetch('/write');
    assert.equal(response.status, 403);
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(server.apiRequests.length, 1);
  });
});

describe('the token request (RFC 6749)', () => {
  test('client_secret_basic form-urlencodes the id and secret before base64 (§2.3.1)', async () => {
    const { special } = server.clients;
    const client = clientFor(special, { oAuthScopes: ['read', 'write'] });
    assert.equal((await client.fetch('/whoami')).status, 200);
    const [request] = server.tokenRequests;
    const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
    assert.equal(request?.authMethod, 'client_secret_basic');
    assert.equal(request?.rawAuthorization, `Basic ${btoa(`${formEncode(special.id)}:${formEncode(special.secret)}`)}`);
    assert.deepEqual(request?.params, { grant_type: 'client_credentials', scope: 'read write' });
  });

  test('client_secret_post sends the credentials in the body and no Authorization header', async () => {
    const client = clientFor(server.clients.post, {}, { tokenEndpointAuthMethod: 'client_secret_post' });
    assert.equal((await client.fetch('/whoami')).status, 200);
    const [request] = server.tokenRequests;
    assert.equal(request?.authMethod, 'client_secret_post');
    assert.equal(request?.rawAuthorization, undefined);
    assert.deepEqual(request?.params, { grant_type: 'client_credentials', client_id: server.clients.post.id });
  });

  test('no scope parameter at all when there are no scopes', async () => {
    await clientFor(server.clients.basic, { oAuthScopes: [] }).fetch('/whoami');
    assert.equal('scope' in (server.tokenRequests[0]?.params ?? {}), false);
  });
});

describe('the token goes only to the baseUrl origin', () => {
  test('a request to another origin carries no token the client added', async () => {
    const elsewhere = await startRecorder();
    try {
      const client = clientFor(server.clients.basic);
      assert.equal((await client.fetch(`${elsewhere.url}/collect`)).status, 200);
      assert.equal((await client.fetch(new Request(`${elsewhere.url}/collect`, { method: 'DELETE' }))).status, 200);
      assert.deepEqual(elsewhere.requests, [
        { method: 'GET', path: '/collect', authorization: undefined, body: '' },
        { method: 'DELETE', path: '/collect', authorization: undefined, body: '' },
      ]);
      assert.equal(server.tokenRequests.length, 0);
    } finally {
      await elsewhere.close();
    }
  });

  test('a redirect from the API to another origin does not carry the token', async () => {
    const elsewhere = await startRecorder();
    const redirecting = await startRecorder((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/landing` }).end());
    try {
      const client = new Client({
        baseUrl: redirecting.url,
        tokenUrl: server.tokenUrl,
        clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret },
      });
      assert.equal((await client.fetch('/start')).status, 200);
      assert.match(redirecting.requests[0]?.authorization ?? '', /^Bearer /);
      assert.deepEqual(elsewhere.requests, [{ method: 'GET', path: '/landing', authorization: undefined, body: '' }]);
    } finally {
      await Promise.all([elsewhere.close(), redirecting.close()]);
    }
  });
});

describe('configuration', () => {
  test('withConfiguration builds a new client from a fetched token, as the seeds show', async () => {
    const client = clientFor(server.clients.basic);
    const token = await client.clientCredentialsAuthManager.fetchToken();
    const credentials = client.configuration.clientCredentialsAuthCredentials;
    const authorized = client.withConfiguration({ clientCredentialsAuthCredentials: { ...credentials, oAuthToken: token } });
    assert.notEqual(authorized, client);
    assert.equal((await authorized.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(server.apiRequests[0]?.authorization, bearerOf(token));
    assert.equal(client.clientCredentialsAuthManager.token, undefined, 'fetchToken does not replace the held token');
  });

  test('withConfiguration keeps the held token while the token-shaping settings stay the same', async () => {
    const client = clientFor(server.clients.basic);
    await client.fetch('/whoami');
    await client.withConfiguration({ timeout: 5_000 }).fetch('/whoami');
    assert.equal(server.tokenRequests.length, 1);
    await client.withConfiguration({ clientCredentialsAuthCredentials: { oAuthScopes: ['read'] } }).fetch('/whoami');
    assert.equal(server.tokenRequests.length, 2);
  });

  test('the configuration is frozen and a copy: changing the input changes nothing', async () => {
    const scopes = ['read'];
    const input = { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret, oAuthScopes: scopes };
    const client = new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: input });
    scopes.push('write');
    input.oAuthClientSecret = 'changed';
    assert.ok(Object.isFrozen(client.configuration));
    assert.ok(Object.isFrozen(client.configuration.clientCredentialsAuthCredentials));
    assert.throws(() => ((client.configuration as { timeout?: number }).timeout = 1), TypeError);
    assert.equal((await client.fetch('/write')).status, 403);
    assert.deepEqual(server.tokenRequests[0]?.params, { grant_type: 'client_credentials', scope: 'read' });
  });

  test('a stored token with bigint fields starts the client; an expired one is replaced, not lost', async () => {
    const fresh = await clientFor(server.clients.basic).clientCredentialsAuthManager.fetchToken();
    server.reset();
    const stored = { ...fresh, expiresIn: BigInt(fresh.expiresIn!), expiry: BigInt(fresh.expiry!) };
    const client = clientFor(server.clients.basic, { oAuthToken: stored });
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 0);

    const expired = { accessToken: fresh.accessToken, tokenType: 'bearer', expiry: BigInt(Date.now() - 1000) };
    const seen: (OAuthToken | undefined)[] = [];
    const replacing = clientFor(server.clients.basic, {
      oAuthToken: expired,
      oAuthTokenProvider: (last, manager) => (seen.push(last), manager.fetchToken()),
    });
    assert.equal((await replacing.fetch('/whoami')).status, 200);
    assert.equal(seen[0]?.accessToken, fresh.accessToken, 'the provider is handed the stored token');
    assert.equal(server.tokenRequests.length, 1);
  });

  test('unusable settings are ConfigurationErrors that say what to change', () => {
    const credentials = { oAuthClientId: 'id', oAuthClientSecret: 'secret' };
    const cases: [Partial<ClientConfiguration>, RegExp][] = [
      [{ tokenUrl: 'http://auth.example.com/token' }, /plain http.*allowInsecureHttp/],
      [{ tokenUrl: 'not a url' }, /absolute URL/],
      [{ tokenUrl: 'https://user:pw@auth.example.com/token' }, /must not contain credentials/],
      [{ tokenUrl: undefined }, /tokenUrl \(or issuer, to discover it\) is required/],
      [{ baseUrl: 'http://api.example.com' }, /baseUrl .*plain http/],
      // A name under .localhost goes to DNS on most resolvers: only localhost itself and loopback addresses are loopback.
      [{ baseUrl: 'http://api.localhost' }, /baseUrl .*plain http/],
      [{ tokenUrl: 'http://auth.localhost:8080/token' }, /tokenUrl .*plain http/],
      // Paths are appended to baseUrl: a query or fragment in it would end up in the middle of every URL.
      [{ baseUrl: 'https://api.example.com/v2?api-version=1' }, /baseUrl must not have a query.*client\.fetch\('\/things\?api-version=1'\)/],
      [{ baseUrl: 'https://api.example.com/v2#section' }, /baseUrl must not have a query \(\?…\) or fragment/],
      [{ baseUrl: 'https://api.example.com/v2?' }, /baseUrl must not have a query/],
      [{ tokenUrl: 'https://auth.example.com/token#x' }, /tokenUrl must not have a fragment/],
      [{ timeout: 0 }, /timeout/],
      [{ timeout: 2 ** 31 }, /timeout must be at most/],
      [{ tokenRequestAttempts: 0 }, /tokenRequestAttempts/],
      [{ tokenProviderTimeout: -1 }, /tokenProviderTimeout/],
      [{ tokenProviderTimeout: 2 ** 31 }, /tokenProviderTimeout must be at most/],
      [{ clientCredentialsAuthCredentials: { ...credentials, oAuthScopes: ['read write'] } }, /invalid scope/],
      [{ clientCredentialsAuthCredentials: { ...credentials, oAuthClockSkew: -1 } }, /oAuthClockSkew/],
      [{ clientCredentialsAuthCredentials: { oAuthClientId: 'id' } }, /oAuthClientId needs a credential: oAuthClientSecret, oAuthPrivateKey, oAuthClientAssertion, or a client certificate/],
      [{ clientCredentialsAuthCredentials: { oAuthClientSecret: 'secret' } }, /oAuthClientId is required/],
      [{ clientCredentialsAuthCredentials: { oAuthToken: { accessToken: '' } } }, /oAuthToken cannot be used/],
    ];
    for (const [change, message] of cases) {
      assert.throws(
        () => new Client({ tokenUrl: 'https://auth.example.com/token', clientCredentialsAuthCredentials: credentials, ...change }),
        (error: unknown) => error instanceof ConfigurationError && message.test(error.message),
        `${JSON.stringify(change)} should fail with ${message}`,
      );
    }
    assert.doesNotThrow(() => new Client({ tokenUrl: 'http://auth.example.com/token', allowInsecureHttp: true, clientCredentialsAuthCredentials: credentials }));
    for (const loopback of ['http://localhost:8080/token', 'http://127.0.0.2/token', 'http://[::1]:8080/token']) {
      assert.doesNotThrow(() => new Client({ tokenUrl: loopback, clientCredentialsAuthCredentials: credentials }));
    }
    // RFC 6749 §3.2: a token endpoint may have a query, which is kept.
    assert.doesNotThrow(() => new Client({ tokenUrl: 'https://auth.example.com/token?p=b2c_1_policy', clientCredentialsAuthCredentials: credentials }));
    // The provider's default deadline, derived from the longest timeout, stays a timer delay.
    assert.doesNotThrow(() => new Client({ tokenUrl: 'https://auth.example.com/token', timeout: 2 ** 31 - 1, clientCredentialsAuthCredentials: credentials }));
  });
});
