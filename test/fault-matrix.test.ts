// Fault matrix: the client against a token endpoint that misbehaves in every way we could think of.
// Each case checks the same five things: the outcome (success, or one specific error class with a useful
// message), that the call settles, how many token requests it took (retries), that nothing bad was
// cached (the next call fetches a fresh token and the API receives it), and that the credentials went
// nowhere else (the bystander server hears nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiError,
  Client,
  ClientAssertionError,
  ConfigurationError,
  DiscoveryError,
  NetworkError,
  OAuthProviderError,
  TimeoutError,
  type ClientConfiguration,
  type OAuthEvent,
} from 'oauth-ccg';
import {
  delay,
  hang,
  healthy,
  json,
  largeBody,
  redirect,
  reset,
  startFaultServer,
  status,
  type Behaviour,
  type FaultServer,
} from './support/fault-server.ts';
import { metadataDocument, startMetadataServer } from './support/metadata-server.ts';
import { startRecorder, type Recorder } from './support/recorder.ts';

const CLIENT_ID = 'matrix-client';
const CLIENT_SECRET = 'matrix-secret-never-shown';
/** The access token inside faulty responses: it must never reach the API nor an error message. */
const BAD_TOKEN = 'bad-token-0123456789';
/** Generous: no case needs more than ~2 s; a hang must fail its test, not stall the suite. */
const SETTLE_WITHIN_MS = 10_000;
const TEST_OPTIONS = { timeout: 30_000 };
const MIB = 1024 * 1024;
/** The first cool-down after a permanent failure is 1 s. */
const COOL_DOWN_MS = 1_050;

interface Harness {
  readonly tokens: FaultServer;
  /** The authorization server's metadata (RFC 8414), for clients configured with `issuer: metadata.origin`. */
  readonly metadata: FaultServer;
  readonly api: Recorder;
  readonly bystander: Recorder;
  readonly events: OAuthEvent[];
  client(options?: Partial<ClientConfiguration>): Client;
}

async function withHarness(run: (harness: Harness) => Promise<void>): Promise<void> {
  const [tokens, api, bystander] = await Promise.all([startFaultServer(), startRecorder(), startRecorder()]);
  const metadata = await startMetadataServer(tokens.url);
  const events: OAuthEvent[] = [];
  const client = (options: Partial<ClientConfiguration> = {}): Client =>
    new Client({
      baseUrl: `${api.url}/v1`,
      tokenUrl: tokens.url,
      // Short enough that a silent endpoint fails well inside SETTLE_WITHIN_MS even with 3 attempts.
      timeout: 2_000,
      onEvent: (event) => events.push(event),
      clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthClientSecret: CLIENT_SECRET },
      ...options,
    });
  try {
    await run({ tokens, metadata, api, bystander, events, client });
  } finally {
    await Promise.all([tokens.close(), metadata.close(), api.close(), bystander.close()]);
  }
}

/** Resolves with the promise's outcome, or fails the test if it has not settled in time. */
async function settled<T>(promise: Promise<T>, label: string): Promise<{ value: T } | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not settle within ${SETTLE_WITHIN_MS} ms`)), SETTLE_WITHIN_MS);
  });
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls the API through the client; fails the test on any error. */
async function callApi(client: Client, label: string): Promise<void> {
  const outcome = await settled(client.fetch('/resource'), label);
  if ('error' in outcome) throw outcome.error;
  assert.equal(outcome.value.status, 200);
  await outcome.value.text();
}

/** What the client treats as permanent: an answer that asking again as things stand cannot change. */
const isPermanent = (error: unknown): boolean =>
  (error instanceof ApiError || error instanceof OAuthProviderError) && error.statusCode !== 429 && error.statusCode < 500;

const authorizations = (server: Recorder): (string | undefined)[] => server.requests.map((request) => request.authorization);

type ErrorClass = abstract new (...args: never[]) => Error;

interface FaultCase {
  readonly name: string;
  /** The behaviours of the first token requests; built per run, as some depend on the clock or the bystander. */
  readonly faults: (bystander: Recorder) => Behaviour[];
  readonly options?: Partial<ClientConfiguration>;
  /** Token requests made by the faulty call: more than one means it was retried. */
  readonly tokenRequests: number;
  readonly expect:
    | { readonly token: string }
    | { readonly error: ErrorClass; readonly notError?: ErrorClass; readonly message: RegExp; readonly statusCode?: number };
  /** Bounds for every `token-request-retry` delay; by default the full-jitter backoff of attempts 1–2 (≤ 500 ms). */
  readonly retryDelayMs?: readonly [min: number, max: number];
  /** The error every retry was caused by. */
  readonly retriedOn?: ErrorClass;
}

const tokenJson = (fields: Record<string, unknown>): Behaviour =>
  json(200, { access_token: BAD_TOKEN, token_type: 'Bearer', expires_in: 3600, ...fields });

const cases: readonly FaultCase[] = [
  // Transient faults: retried within the one call, which succeeds with the first healthy token.
  { name: '500 once', faults: () => [status(500, 'Internal Server Error')], tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: ApiError },
  { name: '502 once (an HTML proxy page)', faults: () => [status(502, '<html><h1>502 Bad Gateway</h1></html>', { 'content-type': 'text/html' })], tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: ApiError },
  { name: '503 with Retry-After: 1', faults: () => [status(503, 'busy', { 'retry-after': '1' })], tokenRequests: 2, expect: { token: 'tok-1' }, retryDelayMs: [1000, 1000] },
  {
    name: '429 with an HTTP-date Retry-After ~1 s ahead',
    // HTTP dates have whole seconds, so the wait is 0.5–1.5 s; above the 250 ms backoff, so the date was used.
    faults: () => [json(429, { error: 'slow_down' }, { 'retry-after': new Date(Date.now() + 1500).toUTCString() })],
    tokenRequests: 2,
    expect: { token: 'tok-1' },
    retryDelayMs: [300, 1500],
    retriedOn: OAuthProviderError,
  },
  { name: 'a hang past the timeout', faults: () => [hang()], options: { timeout: 300 }, tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: TimeoutError },
  { name: 'headers, then a stall mid-body past the timeout', faults: () => [hang({ afterHeaders: true })], options: { timeout: 300 }, tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: TimeoutError },
  { name: 'an answer delayed past the timeout', faults: () => [delay(1_000, tokenJson({}))], options: { timeout: 300 }, tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: TimeoutError },
  { name: 'a reset connection', faults: () => [reset()], tokenRequests: 2, expect: { token: 'tok-1' }, retriedOn: NetworkError },
  // Slow but within the timeout is simply a success.
  { name: 'an answer delayed within the timeout', faults: () => [delay(200, tokenJson({ access_token: 'slow-token' }))], tokenRequests: 1, expect: { token: 'slow-token' } },

  // Transient faults that last: the retries run out (or are not allowed) and the last error is thrown.
  { name: '500 on every attempt', faults: () => [status(500), status(500), status(500)], tokenRequests: 3, expect: { error: ApiError, message: /HTTP 500 without an OAuth error/, statusCode: 500 }, retriedOn: ApiError },
  { name: 'a hang on every attempt', faults: () => [hang(), hang(), hang()], options: { timeout: 300 }, tokenRequests: 3, expect: { error: TimeoutError, message: /did not answer within 300 ms/ }, retriedOn: TimeoutError },
  { name: 'a reset on every attempt', faults: () => [reset(), reset(), reset()], tokenRequests: 3, expect: { error: NetworkError, notError: TimeoutError, message: /token request to http:\/\/127\.0\.0\.1:\d+\/token failed/ }, retriedOn: NetworkError },
  { name: '503 with tokenRequestAttempts: 1', faults: () => [status(503)], options: { tokenRequestAttempts: 1 }, tokenRequests: 1, expect: { error: ApiError, message: /HTTP 503/, statusCode: 503 } },
  { name: '503 with a Retry-After over 10 s', faults: () => [status(503, 'maintenance', { 'retry-after': '120' })], tokenRequests: 1, expect: { error: ApiError, message: /HTTP 503/, statusCode: 503 } },

  // Permanent faults: exactly one request, a typed error.
  { name: '400 invalid_client', faults: () => [json(400, { error: 'invalid_client', error_description: 'unknown client' })], tokenRequests: 1, expect: { error: OAuthProviderError, message: /"invalid_client" \(HTTP 400\): unknown client\. Check the client id/, statusCode: 400 } },
  { name: '404 HTML page (wrong tokenUrl)', faults: () => [status(404, '<html>Not Found</html>', { 'content-type': 'text/html' })], tokenRequests: 1, expect: { error: ApiError, message: /HTTP 404 without an OAuth error/, statusCode: 404 } },
  { name: 'invalid JSON', faults: () => [json(200, `{"access_token": "${BAD_TOKEN}", "token_type": "Bearer",`)], tokenRequests: 1, expect: { error: ApiError, message: /not a JSON object/, statusCode: 200 } },
  { name: 'an HTML page with 200', faults: () => [status(200, '<!doctype html><title>Login</title>', { 'content-type': 'text/html' })], tokenRequests: 1, expect: { error: ApiError, message: /not a JSON object; is tokenUrl the token endpoint/, statusCode: 200 } },
  { name: '200 with an error member', faults: () => [tokenJson({ error: 'invalid_scope' })], tokenRequests: 1, expect: { error: OAuthProviderError, message: /"invalid_scope" \(HTTP 200\)/, statusCode: 200 } },
  { name: 'a missing access_token', faults: () => [json(200, { token_type: 'Bearer', expires_in: 3600 })], tokenRequests: 1, expect: { error: ApiError, message: /no access_token/ } },
  { name: 'token_type DPoP', faults: () => [tokenJson({ token_type: 'DPoP' })], tokenRequests: 1, expect: { error: ApiError, message: /type "DPoP"; only Bearer/ } },
  { name: 'expires_in negative', faults: () => [tokenJson({ expires_in: -60 })], tokenRequests: 1, expect: { error: ApiError, message: /expires_in that is not a positive number/ } },
  { name: 'expires_in zero', faults: () => [tokenJson({ expires_in: 0 })], tokenRequests: 1, expect: { error: ApiError, message: /expires_in that is not a positive number/ } },
  { name: 'expires_in not a number ("soon")', faults: () => [tokenJson({ expires_in: 'soon' })], tokenRequests: 1, expect: { error: ApiError, message: /expires_in that is not a positive number/ } },
  { name: 'expires_in huge (1e10)', faults: () => [tokenJson({ access_token: 'long-lived', expires_in: 1e10 })], tokenRequests: 1, expect: { token: 'long-lived' } },
  { name: 'expires_in a numeric string', faults: () => [tokenJson({ access_token: 'string-lifetime', expires_in: '3600' })], tokenRequests: 1, expect: { token: 'string-lifetime' } },
  { name: 'a 5 MB body with Content-Length', faults: () => [largeBody(5 * MIB)], tokenRequests: 1, expect: { error: ApiError, message: /larger than 1048576 bytes/, statusCode: 200 } },
  { name: 'a 5 MB chunked body (no Content-Length)', faults: () => [largeBody(5 * MIB, { declareLength: false })], tokenRequests: 1, expect: { error: ApiError, message: /larger than 1048576 bytes/, statusCode: 200 } },
  { name: 'a 302 redirect to another server', faults: (bystander) => [redirect(`${bystander.url}/token`)], tokenRequests: 1, expect: { error: ApiError, message: /redirect \(HTTP 302\), which is not followed/, statusCode: 302 } },
  { name: 'a 307 redirect to another server', faults: (bystander) => [redirect(`${bystander.url}/token`, 307)], tokenRequests: 1, expect: { error: ApiError, message: /redirect \(HTTP 307\)/, statusCode: 307 } },
  {
    // A server-controlled JSON object whose own "toString" shadows Object.prototype's: String(value) throws
    // a TypeError inside parseTokenResponse, which requestToken reports as a (retried) NetworkError.
    name: 'token_type is an object with its own toString member',
    faults: () => [tokenJson({ token_type: { toString: 'mac' } })],
    tokenRequests: 1,
    expect: { error: ApiError, message: /only Bearer tokens are supported/, statusCode: 200 },
  },
];

for (const fault of cases) {
  test(`fault: ${fault.name}`, TEST_OPTIONS, () =>
    withHarness(async ({ tokens, api, bystander, events, client: makeClient }) => {
      tokens.respondWith(...fault.faults(bystander));
      const client = makeClient(fault.options);

      // 1. The faulty call settles, with the expected outcome.
      const first = await settled(client.fetch('/resource'), 'the faulty call');
      const { expect } = fault;
      if ('token' in expect) {
        if ('error' in first) throw first.error;
        assert.equal(first.value.status, 200);
        await first.value.text();
        assert.deepEqual(authorizations(api), [`Bearer ${expect.token}`]);
      } else {
        if ('value' in first) {
          const retriedOn = events.flatMap((event) => (event.type === 'token-request-retry' ? [`${event.error.name}: ${event.error.message}`] : []));
          assert.fail(`expected ${expect.error.name}, but the call succeeded after ${tokens.requests.length} token requests; retried on ${JSON.stringify(retriedOn)}`);
        }
        const { error } = first;
        assert.ok(error instanceof expect.error, `expected ${expect.error.name}, got ${String(error)}`);
        if (expect.notError) assert.ok(!(error instanceof expect.notError), `did not expect ${expect.notError.name}`);
        assert.match(error.message, expect.message);
        if (expect.statusCode !== undefined) assert.equal((error as ApiError | OAuthProviderError).statusCode, expect.statusCode);
        for (const secret of [CLIENT_SECRET, BAD_TOKEN]) {
          assert.ok(!error.message.includes(secret), 'the message shows a secret');
          if (error instanceof ApiError) assert.ok(!error.body.includes(secret), 'ApiError.body shows a secret');
        }
        assert.equal(api.requests.length, 0, 'no API request goes out without a token');
      }

      // 2. The retries: one token request per attempt, one retry event between attempts.
      assert.equal(tokens.requests.length, fault.tokenRequests, 'token requests made by the faulty call');
      assert.equal(tokens.pending, 0, 'every queued fault was consumed');
      assert.equal(events.filter((event) => event.type === 'token-request').length, fault.tokenRequests);
      const retries = events.flatMap((event) => (event.type === 'token-request-retry' ? [event] : []));
      assert.equal(retries.length, fault.tokenRequests - 1);
      const [minDelay, maxDelay] = fault.retryDelayMs ?? [0, 500];
      for (const retry of retries) {
        assert.ok(retry.delayMs >= minDelay && retry.delayMs <= maxDelay, `retry delay ${retry.delayMs} ms outside [${minDelay}, ${maxDelay}]`);
        if (fault.retriedOn) assert.ok(retry.error instanceof fault.retriedOn, `retried on ${retry.error.name}`);
      }

      // 3. Nothing bad was cached: the next call gets a healthy token if it has none, and the API receives it.
      //    After a permanent failure, "next" means after its cool-down: until then calls fail at once with
      //    the same error and no token request, so that a loop of calls cannot hammer the endpoint.
      if ('error' in first && isPermanent(first.error)) {
        const during = await settled(client.fetch('/resource'), 'a call during the cool-down');
        assert.ok('error' in during && during.error === first.error, 'the same error, at once');
        assert.equal(tokens.requests.length, fault.tokenRequests, 'no token request during the cool-down');
        await sleep(COOL_DOWN_MS);
      }
      const requestsBefore = tokens.requests.length;
      await callApi(client, 'the call after the fault');
      const lastAuthorization = authorizations(api).at(-1);
      if ('token' in expect) {
        assert.equal(tokens.requests.length, requestsBefore, 'a good token is reused');
        assert.equal(lastAuthorization, `Bearer ${expect.token}`);
      } else {
        assert.equal(tokens.requests.length, requestsBefore + 1, 'the failure was not cached');
        assert.equal(lastAuthorization, `Bearer ${tokens.issued.at(-1)}`);
      }
      const goodTokens = new Set([...tokens.issued, ...('token' in expect ? [expect.token] : [])].map((token) => `Bearer ${token}`));
      for (const authorization of authorizations(api)) assert.ok(goodTokens.has(authorization ?? ''), `the API received ${authorization}`);

      // 4. Every token request was the expected one, and the credentials went nowhere else.
      for (const request of tokens.requests) {
        assert.equal(request.method, 'POST');
        assert.equal(request.body, 'grant_type=client_credentials');
        assert.equal(request.headers.authorization, `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
      }
      assert.equal(bystander.requests.length, 0, 'the bystander received a request');
    }),
  );
}

test('an http:// token URL on a non-loopback host is refused at construction, before any request', () => {
  let fetches = 0;
  const configuration: ClientConfiguration = {
    tokenUrl: 'http://auth.example.com/token',
    fetch: async () => {
      fetches += 1;
      throw new Error('no request may be made');
    },
    clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthClientSecret: CLIENT_SECRET },
  };
  assert.throws(
    () => new Client(configuration),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(error.message, /tokenUrl http:\/\/auth\.example\.com is plain http.*allowInsecureHttp/);
      assert.ok(!error.message.includes(CLIENT_SECRET));
      return true;
    },
  );
  // The same configuration is accepted once the risk is accepted explicitly, and still makes no request.
  assert.ok(new Client({ ...configuration, allowInsecureHttp: true }) instanceof Client);
  assert.equal(fetches, 0);
});

test('fetchToken retries a transient fault within one call, and does not cache a failure', TEST_OPTIONS, () =>
  withHarness(async ({ tokens }) => {
    const manager = new Client({
      tokenUrl: tokens.url,
      clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthClientSecret: CLIENT_SECRET },
    }).clientCredentialsAuthManager;

    tokens.respondWith(status(503, '', { 'retry-after': '0' }));
    const retried = await settled(manager.fetchToken(), 'fetchToken after a 503');
    assert.ok('value' in retried);
    assert.equal(retried.value.accessToken, 'tok-1');
    assert.equal(tokens.requests.length, 2);

    tokens.respondWith(json(200, 'not json'));
    const failed = await settled(manager.fetchToken(), 'fetchToken after invalid JSON');
    assert.ok('error' in failed && failed.error instanceof ApiError);
    assert.equal(tokens.requests.length, 3);

    const recovered = await settled(manager.fetchToken(), 'fetchToken once healthy');
    assert.ok('value' in recovered);
    assert.equal(recovered.value.accessToken, 'tok-2');
    assert.equal(tokens.requests.length, 4);
  }),
);

test('concurrent calls during a transient fault share one retried token request', TEST_OPTIONS, () =>
  withHarness(async ({ tokens, api, client: makeClient }) => {
    tokens.respondWith(status(503, '', { 'retry-after': '0' }), healthy());
    const client = makeClient();
    const outcomes = await Promise.all(Array.from({ length: 5 }, (_, index) => settled(client.fetch(`/resource/${index}`), `call ${index}`)));
    for (const outcome of outcomes) {
      if ('error' in outcome) throw outcome.error;
      assert.equal(outcome.value.status, 200);
      await outcome.value.text();
    }
    assert.equal(tokens.requests.length, 2, 'one 503 and one retry, shared by all five callers');
    assert.deepEqual(authorizations(api), Array(5).fill('Bearer tok-1'));
  }),
);

// Discovery faults: the client is given `issuer` instead of `tokenUrl`, and the metadata server misbehaves.
// The same checks, counting metadata requests as well: a failed discovery sends no token request, is never
// kept (the next call discovers again), and a permanent one is answered again during its cool-down.

const RFC8414_PATH = '/.well-known/oauth-authorization-server';
const OPENID_PATH = '/.well-known/openid-configuration';

interface DiscoveryFaultCase {
  readonly name: string;
  /** The answers to the first metadata requests; afterwards the metadata server serves a good document. */
  readonly faults: (servers: { metadata: FaultServer; bystander: Recorder }) => Behaviour[];
  /** Metadata requests made by the faulty call. */
  readonly metadataRequests: number;
  readonly expect:
    | { readonly token: string }
    | { readonly error: ErrorClass; readonly message: RegExp; readonly statusCode: number; readonly permanent: boolean };
}

const discoveryCases: readonly DiscoveryFaultCase[] = [
  {
    name: 'a metadata document that is not JSON',
    faults: () => [status(200, '<!doctype html><title>Welcome</title>', { 'content-type': 'text/html' })],
    metadataRequests: 1,
    expect: { error: DiscoveryError, message: /is not a JSON object; is the issuer option/, statusCode: 200, permanent: true },
  },
  {
    name: 'a metadata document without token_endpoint',
    faults: ({ metadata }) => [json(200, { issuer: metadata.origin, revocation_endpoint: `${metadata.origin}/revoke` })],
    metadataRequests: 1,
    expect: { error: DiscoveryError, message: /has no token_endpoint/, statusCode: 200, permanent: true },
  },
  {
    // Another server's document would send the credentials to its token endpoint: the bystander's here.
    name: 'a metadata document naming another issuer',
    faults: ({ bystander }) => [metadataDocument(bystander.url, `${bystander.url}/token`)],
    metadataRequests: 1,
    expect: { error: DiscoveryError, message: /names the issuer "http:\/\/127\.0\.0\.1:\d+", not the configured .*RFC 8414 §3\.3/, statusCode: 200, permanent: true },
  },
  {
    name: 'a redirect of the metadata URL to another server',
    faults: ({ bystander }) => [redirect(`${bystander.url}${RFC8414_PATH}`)],
    metadataRequests: 1,
    expect: { error: DiscoveryError, message: /redirect \(HTTP 302\), which is not followed/, statusCode: 302, permanent: true },
  },
  {
    name: 'both well-known URLs answering 404',
    faults: () => [status(404, 'not found'), status(404, 'not found')],
    metadataRequests: 2,
    expect: { error: DiscoveryError, message: /Neither .* \(HTTP 404\) nor .* \(HTTP 404\) serves authorization server metadata/, statusCode: 404, permanent: true },
  },
  // Transient: retried within the call, like a token request.
  { name: 'a metadata 503, then a good document', faults: () => [status(503, 'busy', { 'retry-after': '0' })], metadataRequests: 2, expect: { token: 'tok-1' } },
  {
    name: 'a metadata 503 on every attempt',
    faults: () => Array.from({ length: 3 }, () => status(503, 'busy', { 'retry-after': '0' })),
    metadataRequests: 3,
    expect: { error: DiscoveryError, message: /could not be read: the server answered HTTP 503/, statusCode: 503, permanent: false },
  },
];

for (const fault of discoveryCases) {
  test(`discovery fault: ${fault.name}`, TEST_OPTIONS, () =>
    withHarness(async ({ tokens, metadata, api, bystander, events, client: makeClient }) => {
      metadata.respondWith(...fault.faults({ metadata, bystander }));
      const client = makeClient({ issuer: metadata.origin, tokenUrl: undefined });

      // 1. The faulty call settles, with the expected outcome.
      const first = await settled(client.fetch('/resource'), 'the faulty call');
      const { expect } = fault;
      if ('token' in expect) {
        if ('error' in first) throw first.error;
        assert.equal(first.value.status, 200);
        await first.value.text();
        assert.deepEqual(authorizations(api), [`Bearer ${expect.token}`]);
        assert.equal(tokens.requests.length, 1);
      } else {
        if ('value' in first) assert.fail(`expected ${expect.error.name}, but the call succeeded`);
        const { error } = first;
        assert.ok(error instanceof expect.error, `expected ${expect.error.name}, got ${String(error)}`);
        assert.match(error.message, expect.message);
        assert.equal((error as DiscoveryError).statusCode, expect.statusCode);
        assert.equal(isPermanent(error), expect.permanent, 'whether asking again could mend it');
        assert.ok(!error.message.includes(CLIENT_SECRET), 'the message shows the secret');
        assert.equal(tokens.requests.length, 0, 'no token request without a usable token endpoint');
        assert.equal(api.requests.length, 0, 'no API request goes out without a token');
      }

      // 2. The retries: a transient failure is retried (with the token requests' policy), a permanent one is not.
      assert.equal(metadata.requests.length, fault.metadataRequests, 'metadata requests made by the faulty call');
      assert.equal(metadata.pending, 0, 'every queued fault was consumed');
      const retries = events.flatMap((event) => (event.type === 'token-request-retry' ? [event] : []));
      for (const retry of retries) assert.ok(retry.error instanceof DiscoveryError && retry.error.statusCode === 503, `retried on ${retry.error.name}`);
      if ('error' in first && isPermanent(first.error)) {
        assert.equal(retries.length, 0);
        // A permanent failure is answered again at once during its cool-down, without asking the server.
        const during = await settled(client.fetch('/resource'), 'a call during the cool-down');
        assert.ok('error' in during && during.error === first.error, 'the same error, at once');
        assert.equal(metadata.requests.length, fault.metadataRequests, 'no metadata request during the cool-down');
        await sleep(COOL_DOWN_MS);
      } else {
        assert.equal(retries.length, fault.metadataRequests - 1);
      }

      // 3. Nothing was kept: a failed discovery is made again, and a good one is kept for the client's life.
      const metadataBefore = metadata.requests.length;
      await callApi(client, 'the call after the fault');
      assert.equal(metadata.requests.length, metadataBefore + ('token' in expect ? 0 : 1));
      assert.equal(authorizations(api).at(-1), `Bearer ${tokens.issued.at(-1)}`);

      // 4. Discovery carried nothing of the client, the token endpoint got the usual request, and nothing went elsewhere.
      for (const request of metadata.requests) {
        assert.deepEqual([request.method, request.headers.authorization, request.body], ['GET', undefined, '']);
        assert.ok([RFC8414_PATH, OPENID_PATH].includes(request.url), `metadata looked for at ${request.url}`);
      }
      for (const request of tokens.requests) assert.equal(request.headers.authorization, `Basic ${btoa(`${CLIENT_ID}:${CLIENT_SECRET}`)}`);
      assert.equal(bystander.requests.length, 0, 'the bystander received a request');
    }),
  );
}

// Ready-made assertion faults: `oAuthClientAssertion` (a workload identity token file, say) throws or returns
// something that is not an assertion. The same checks, counting the callback's calls as well. Its failures
// are transient, like a file caught mid-rotation: retried within the call, never kept, and no cool-down.

/** What one call of the assertion callback does; after the queued steps it returns a good assertion. */
type AssertionStep = 'throw' | 'return a non-string';

interface AssertionFaultCase {
  readonly name: string;
  readonly steps: AssertionStep[];
  /** Callback calls made by the faulty call: one per attempt. */
  readonly calls: number;
  readonly tokenRequests: number;
  readonly expect: { readonly token: string } | { readonly message: RegExp };
}

const assertionCases: readonly AssertionFaultCase[] = [
  { name: 'the callback throws once', steps: ['throw'], calls: 2, tokenRequests: 1, expect: { token: 'tok-1' } },
  { name: 'the callback throws on every attempt', steps: ['throw', 'throw', 'throw'], calls: 3, tokenRequests: 0, expect: { message: /oAuthClientAssertion failed: the token file is being rotated/ } },
  { name: 'the callback returns a non-string', steps: Array(3).fill('return a non-string'), calls: 3, tokenRequests: 0, expect: { message: /oAuthClientAssertion did not return an assertion/ } },
];

/** An `oAuthClientAssertion` that follows `steps`, recording the assertions it hands out (each unique, as a jti would make them). */
function assertionCallback(steps: AssertionStep[]): { calls: number; handedOut: string[]; callback: () => Promise<string> } {
  const state = { calls: 0, handedOut: [] as string[] };
  const callback = async (): Promise<string> => {
    state.calls += 1;
    const step = steps.shift();
    if (step === 'throw') throw new Error('the token file is being rotated');
    if (step === 'return a non-string') return { assertion: 'not-a-string' } as unknown as string;
    const assertion = `eyJ.assertion-${state.calls}.never-shown`;
    state.handedOut.push(assertion);
    return assertion;
  };
  return Object.assign(state, { callback });
}

for (const fault of assertionCases) {
  test(`assertion fault: ${fault.name}`, TEST_OPTIONS, () =>
    withHarness(async ({ tokens, api, bystander, events, client: makeClient }) => {
      const assertions = assertionCallback([...fault.steps]);
      const client = makeClient({ clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthClientAssertion: assertions.callback } });

      // 1. The faulty call settles, with the expected outcome.
      const first = await settled(client.fetch('/resource'), 'the faulty call');
      const { expect } = fault;
      if ('token' in expect) {
        if ('error' in first) throw first.error;
        assert.equal(first.value.status, 200);
        await first.value.text();
        assert.deepEqual(authorizations(api), [`Bearer ${expect.token}`]);
      } else {
        if ('value' in first) assert.fail('expected ClientAssertionError, but the call succeeded');
        const { error } = first;
        assert.ok(error instanceof ClientAssertionError, `expected ClientAssertionError, got ${String(error)}`);
        assert.match(error.message, expect.message);
        assert.equal(api.requests.length, 0, 'no API request goes out without a token');
      }

      // 2. The retries: one callback call per attempt, one retry event (on the callback's failure) between attempts.
      assert.equal(assertions.calls, fault.calls, 'callback calls made by the faulty call');
      assert.equal(tokens.requests.length, fault.tokenRequests, 'token requests made by the faulty call');
      const retries = events.flatMap((event) => (event.type === 'token-request-retry' ? [event] : []));
      assert.equal(retries.length, fault.calls - 1);
      for (const retry of retries) assert.ok(retry.error instanceof ClientAssertionError, `retried on ${retry.error.name}`);

      // 3. Nothing was kept, and there is no cool-down: the next call asks the callback again, at once.
      const callsBefore = assertions.calls;
      await callApi(client, 'the call after the fault');
      assert.equal(assertions.calls, callsBefore + ('token' in expect ? 0 : 1));
      assert.equal(authorizations(api).at(-1), `Bearer ${tokens.issued.at(-1)}`);

      // 4. Each assertion went, once, to the token endpoint only, with no other credential; no error shows one.
      const sent = tokens.requests.map((request) => {
        assert.equal(request.headers.authorization, undefined);
        const body = new URLSearchParams(request.body);
        assert.equal(body.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
        return body.get('client_assertion');
      });
      assert.deepEqual(sent, assertions.handedOut);
      for (const event of events) {
        if (event.type !== 'token-request-retry') continue;
        for (const assertion of assertions.handedOut) assert.ok(!event.error.message.includes(assertion));
      }
      assert.equal(bystander.requests.length, 0, 'the bystander received a request');
    }),
  );
}

test('a private key of a valid shape that cannot be imported: a ConfigurationError at the first signature, no token request, a cool-down', TEST_OPTIONS, () =>
  withHarness(async ({ tokens, api, bystander, client: makeClient }) => {
    // A P-256 JWK with every member in place and of the right size, but whose public point is not the
    // private key's (nor, almost surely, on the curve): its structure passes the constructor's check, the import fails.
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as { kty: string; d: string };
    const client = makeClient({ clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthPrivateKey: { ...jwk, x: randomBytes(32).toString('base64url') } } });

    const first = await settled(client.fetch('/resource'), 'the first call');
    assert.ok('error' in first && first.error instanceof ConfigurationError, `expected ConfigurationError, got ${'error' in first ? String(first.error) : 'a response'}`);
    assert.match(first.error.message, /The signing key cannot be used with ES256/);
    assert.ok(!first.error.message.includes(jwk.d), 'the message shows the private key');

    // Permanent: answered again at once during the cool-down; after it, the import is tried again, and fails again.
    const during = await settled(client.fetch('/resource'), 'a call during the cool-down');
    assert.ok('error' in during && during.error === first.error, 'the same error, at once');
    await sleep(COOL_DOWN_MS);
    const after = await settled(client.fetch('/resource'), 'a call after the cool-down');
    assert.ok('error' in after && after.error instanceof ConfigurationError && after.error !== first.error, 'tried again, and failed again');

    assert.equal(tokens.requests.length, 0, 'no token request without an assertion');
    assert.equal(api.requests.length, 0, 'no API request without a token');
    assert.equal(bystander.requests.length, 0, 'the bystander received a request');
  }),
);
