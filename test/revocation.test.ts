// RFC 7009 token revocation, one exchange: what is sent, which answers are success, which errors are typed
// and transient, and that neither the token being revoked nor the client secret ever shows in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ApiError, NetworkError, OAuthProviderError, TimeoutError } from 'oauth-ccg';
import { isPermanent, isTransient, withRetries } from '../src/lifecycle/retry.ts';
import { clientSecretBasic } from '../src/protocol/client-authentication/client-secret-basic.ts';
import { clientSecretPost } from '../src/protocol/client-authentication/client-secret-post.ts';
import type { ClientAuthentication } from '../src/protocol/client-authentication/client-authentication.ts';
import { revokeToken } from '../src/protocol/revocation.ts';
import { KnownSecrets } from '../src/redaction.ts';
import { hang, json, largeBody, redirect, withFaultServer, status, type FaultServer } from './support/fault-server.ts';
import { startRecorder } from './support/recorder.ts';

const CLIENT_ID = 'revoking-client';
const SECRET = 'CANARY-REVOKE-SECRET-41c9';
/** The token being revoked: the client does not hold it, so only revokeToken itself can know to hide it. */
const TOKEN = 'CANARY-REVOKED-TOKEN-7d02+/=';
const MIB = 1024 * 1024;

/** The scrub a client would pass: it knows its secret, not the token it is asked to revoke. */
function clientScrub(authentication: ClientAuthentication) {
  const secrets = new KnownSecrets();
  secrets.addCredentials(authentication.secrets);
  return secrets.scrub;
}

function endpointOf(server: FaultServer, options: { authentication?: ClientAuthentication; timeout?: number; fetch?: typeof fetch } = {}) {
  const authentication = options.authentication ?? clientSecretBasic(CLIENT_ID, SECRET);
  return {
    url: new URL(`${server.origin}/revoke?tenant=a`),
    authentication,
    timeout: options.timeout ?? 2_000,
    fetch: options.fetch ?? fetch,
    scrub: clientScrub(authentication),
  };
}


/** Every way an error can be seen: message, stack, properties, JSON, inspect. */
function everythingShownOf(error: unknown): string {
  const properties = { ...(error as object), headers: undefined };
  return [String(error), (error as Error).stack, inspect(error, { depth: 5 }), JSON.stringify(properties)].join('\n');
}

const CANARIES = [TOKEN, encodeURIComponent(TOKEN), new URLSearchParams({ t: TOKEN }).toString().slice(2), SECRET, btoa(`${CLIENT_ID}:${SECRET}`)];

function assertNoCanary(error: unknown): void {
  const shown = everythingShownOf(error);
  for (const canary of CANARIES) assert.ok(!shown.includes(canary), `the error shows ${canary}:\n${shown}`);
}

test('posts token and token_type_hint as a form with client_secret_basic, to the configured URL only', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(200));
    await revokeToken(endpointOf(server), TOKEN, 'access_token');
    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request!.method, 'POST');
    assert.equal(request!.url, '/revoke?tenant=a');
    assert.match(request!.headers['content-type']!, /^application\/x-www-form-urlencoded/);
    assert.equal(request!.headers.accept, 'application/json');
    assert.equal(request!.headers.authorization, `Basic ${btoa(`${CLIENT_ID}:${SECRET}`)}`);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request!.body)), { token: TOKEN, token_type_hint: 'access_token' });
  }));

test('client_secret_post puts the credentials in the body, next to the token, and sends no Authorization', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(200));
    await revokeToken(endpointOf(server, { authentication: clientSecretPost(CLIENT_ID, SECRET) }), TOKEN, 'refresh_token');
    const [request] = server.requests;
    assert.equal(request!.headers.authorization, undefined);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(request!.body)), {
      token: TOKEN,
      token_type_hint: 'refresh_token',
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
  }));

test('without a hint, no token_type_hint is sent', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(200));
    await revokeToken(endpointOf(server), TOKEN);
    assert.deepEqual([...new URLSearchParams(server.requests[0]!.body).keys()], ['token']);
  }));

test('a 200 is success whatever its body: empty, an error object, not JSON, larger than the cap', () =>
  withFaultServer(async (server) => {
    server.respondWith(
      status(200),
      json(200, { error: 'invalid_request' }),
      status(200, '<html>revoked</html>', { 'content-type': 'text/html' }),
      largeBody(5 * MIB),
      status(204),
    );
    for (let i = 0; i < 5; i++) await revokeToken(endpointOf(server), TOKEN, 'access_token');
    assert.equal(server.requests.length, 5);
    assert.equal(server.pending, 0);
  }));

test('400 unsupported_token_type is an OAuthProviderError, permanent', () =>
  withFaultServer(async (server) => {
    server.respondWith(json(400, { error: 'unsupported_token_type', error_description: 'refresh tokens only' }));
    const error = await revokeToken(endpointOf(server), TOKEN, 'access_token').catch((caught: unknown) => caught);
    assert.ok(error instanceof OAuthProviderError, String(error));
    assert.equal(error.error, 'unsupported_token_type');
    assert.equal(error.errorDescription, 'refresh tokens only');
    assert.equal(error.statusCode, 400);
    assert.ok(isPermanent(error));
  }));

test('401 invalid_client is an OAuthProviderError, permanent', () =>
  withFaultServer(async (server) => {
    server.respondWith(json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="x"' }));
    const error = await revokeToken(endpointOf(server), TOKEN).catch((caught: unknown) => caught);
    assert.ok(error instanceof OAuthProviderError && error.error === 'invalid_client' && error.statusCode === 401, String(error));
    assert.ok(isPermanent(error));
  }));

test('503 with Retry-After is a transient ApiError, and withRetries retries it to success', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(503, 'busy', { 'retry-after': '0' }));
    const error = await revokeToken(endpointOf(server), TOKEN).catch((caught: unknown) => caught);
    assert.ok(error instanceof ApiError && !(error instanceof OAuthProviderError), String(error));
    assert.equal(error.statusCode, 503);
    assert.equal(error.headers.get('retry-after'), '0');
    assert.ok(isTransient(error));

    server.respondWith(status(503, 'busy', { 'retry-after': '0' }), status(200));
    const retries: number[] = [];
    const policy = { attempts: 3, baseDelay: 1, maxDelay: 1, maxRetryAfter: 1_000 };
    await withRetries(() => revokeToken(endpointOf(server), TOKEN), policy, (notice) => retries.push(notice.attempt));
    assert.deepEqual(retries, [1]);
    assert.equal(server.requests.length, 3);
  }));

test('another status without an OAuth error is an ApiError with the body kept', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(404, 'no such endpoint'));
    const error = await revokeToken(endpointOf(server), TOKEN).catch((caught: unknown) => caught);
    assert.ok(error instanceof ApiError && error.statusCode === 404, String(error));
    assert.equal(error.body, 'no such endpoint');
    assert.match(error.message, /revocation endpoint http:\/\/127\.0\.0\.1:\d+\/revoke answered HTTP 404/);
    assert.ok(isPermanent(error));
  }));

test('a redirect is refused: nothing reaches the other server', async () => {
  const bystander = await startRecorder();
  try {
    await withFaultServer(async (server) => {
      server.respondWith(redirect(`${bystander.url}/revoke`, 307));
      const error = await revokeToken(endpointOf(server), TOKEN).catch((caught: unknown) => caught);
      assert.ok(error instanceof ApiError && error.statusCode === 307, String(error));
      assert.match(error.message, /redirect \(HTTP 307\), which is not followed .*revocationUrl/);
      assert.equal(bystander.requests.length, 0);
    });
  } finally {
    await bystander.close();
  }
});

test('an endpoint that does not answer in time is a TimeoutError', () =>
  withFaultServer(async (server) => {
    server.respondWith(hang());
    const error = await revokeToken(endpointOf(server, { timeout: 200 }), TOKEN).catch((caught: unknown) => caught);
    assert.ok(error instanceof TimeoutError, String(error));
    assert.match(error.message, /revocation endpoint .* did not answer within 200 ms/);
  }));

test('an empty token is refused before anything is sent', () =>
  withFaultServer(async (server) => {
    await assert.rejects(revokeToken(endpointOf(server), ''), { name: 'InvalidTokenError' });
    assert.equal(server.requests.length, 0);
  }));

test('the token and the client secret never show in an error, however the server or fetch echoes them', async (t) => {
  const echoes = {
    'an OAuth error describing the request': (body: string, authorization: string) =>
      json(400, { error: 'invalid_request', error_description: `got ${body} with ${authorization}; token ${TOKEN}` }),
    'a 500 echoing the request in text': (body: string, authorization: string) => status(500, `${authorization}\n${body}\nraw: ${TOKEN}`),
    'a 500 echoing the token in a JSON field of another name': () => json(500, { seen: TOKEN, detail: `the token ${encodeURIComponent(TOKEN)}` }),
  };
  for (const [name, reply] of Object.entries(echoes)) {
    await t.test(name, () =>
      withFaultServer(async (server) => {
        // What the server will echo is what it would receive; the request is rebuilt here to know it.
        const body = new URLSearchParams({ token: TOKEN, token_type_hint: 'access_token' }).toString();
        server.respondWith(reply(body, `Basic ${btoa(`${CLIENT_ID}:${SECRET}`)}`));
        const error = await revokeToken(endpointOf(server), TOKEN, 'access_token').catch((caught: unknown) => caught);
        assert.ok(error instanceof ApiError || error instanceof OAuthProviderError, String(error));
        // The server did send the canaries: the redaction, not their absence, keeps them out.
        assert.match(everythingShownOf(error), /\[redacted\]/);
        assertNoCanary(error);
      }));
  }

  for (const authentication of [clientSecretBasic(CLIENT_ID, SECRET), clientSecretPost(CLIENT_ID, SECRET)]) {
    await t.test(`a fetch that fails with the whole request in its message (${authentication.method})`, () =>
      withFaultServer(async (server) => {
        const echoingFetch: typeof fetch = async (_url, init) => {
          const headers = new Headers(init?.headers);
          throw new TypeError(`refused ${headers.get('authorization')} ${String(init?.body)} token=${TOKEN} ${TOKEN}`);
        };
        const error = await revokeToken(endpointOf(server, { authentication, fetch: echoingFetch }), TOKEN).catch((caught: unknown) => caught);
        assert.ok(error instanceof NetworkError && !(error instanceof TimeoutError), String(error));
        assert.match(error.message, /\[redacted\]/);
        assertNoCanary(error);
      }));
  }
});
