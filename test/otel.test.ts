// oauth-ccg/otel against the OpenTelemetry SDK's in-memory reader and span exporter: a scripted run against
// the real authorization server (a burst, a 401, a renewal that fails once, a retried request, a refused
// client) must show exactly the expected counts, durations and spans, and nothing that could be a secret or
// a token; then the pairing of attempts with their ends, every event's counter, error kinds, a shared store
// that works and one that fails, the global providers, and examples/otel.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { context, metrics, ROOT_CONTEXT, trace, type Attributes, type Context, type ContextManager } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ApiError, Client, MemoryTokenStore, NetworkError, OAuthProviderError, TimeoutError, type ClientConfiguration, type OAuthEvent } from 'oauth-ccg';
import { openTelemetryListener, type OpenTelemetryOptions } from 'oauth-ccg/otel';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { reset, status, withFaultServer } from './support/fault-server.ts';
import { ObservedStore } from './support/observed-store.ts';

/** One data point as a test reads it: a counter's sum, or a histogram's count and sum. */
interface Point {
  name: string;
  attributes: Attributes;
  value: number | Histogram;
}

/** A reader the test collects from when it wants, instead of on a timer. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** Providers of their own for one test, and what they recorded. */
function telemetrySdk() {
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meterProvider,
    tracerProvider,
    listener: (options: Omit<OpenTelemetryOptions, 'meterProvider' | 'tracerProvider'> = {}) => openTelemetryListener({ meterProvider, tracerProvider, ...options }),
    async points(): Promise<Point[]> {
      const { resourceMetrics, errors } = await reader.collect();
      assert.deepEqual(errors, []);
      return resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) => (metric.dataPoints as DataPoint<number | Histogram>[]).map(({ attributes, value }) => ({ name: metric.descriptor.name, attributes, value }))),
      );
    },
    spans: (): ReadableSpan[] => spanExporter.getFinishedSpans(),
  };
}

/** The sum of the counter's data points (the count of the histogram's) whose attributes include `where`. */
function total(points: Point[], name: string, where: Attributes = {}): number {
  return points
    .filter((point) => point.name === name && Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, { value }) => sum + (typeof value === 'number' ? value : value.count), 0);
}

/** The trace context follows async calls, as an application's SDK set-up (context-async-hooks) makes it. */
class AsyncLocalContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(active: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(active, () => fn.apply(thisArg, args));
  }
  bind<T>(_context: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}
context.setGlobalContextManager(new AsyncLocalContextManager());

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer({ shortTokenTtlSeconds: 3 });
});
after(() => server.close());

const REQUESTS = 'oauth_ccg.token.requests';
const DURATION = 'oauth_ccg.token.request.duration';
/** The attribute that tells the scripted run's clients apart: the `attributes` option at work. */
const CLIENT = 'test.client';
const BURST = 20;
const CANARY_SECRET = 'CANARY-secret-5b0c7e1d-never-in-telemetry';

describe('a scripted run against oidc-provider', () => {
  const sdk = telemetrySdk();
  const events: { client: string; event: OAuthEvent }[] = [];
  /** Everything secret the run sent or received: secrets, tokens, the credentials of every request. */
  const secrets = new Set<string>([CANARY_SECRET]);
  let snapshots: Record<'burst' | 'rejection' | 'renewal' | 'retry' | 'failure', Point[]>;
  let callerSpanId: string;

  /** A client whose events go to the telemetry (tagged with its name) and to `events`, and whose every credential is noted in `secrets`. */
  function scriptedClient(name: string, credentials: { id: string; secret: string }, configuration: Partial<ClientConfiguration> = {}): Client {
    const telemetry = sdk.listener({ attributes: { [CLIENT]: name } });
    secrets.add(credentials.secret);
    return new Client({
      baseUrl: server.apiUrl,
      tokenUrl: server.tokenUrl,
      ...configuration,
      clientCredentialsAuthCredentials: {
        oAuthClientId: credentials.id,
        oAuthClientSecret: credentials.secret,
        oAuthOnTokenUpdate: (token) => void secrets.add(token.accessToken),
        ...configuration.clientCredentialsAuthCredentials,
      },
      onEvent: (event) => {
        events.push({ client: name, event });
        telemetry(event);
      },
      fetch: (input, init) => {
        noteCredentials(new Request(input, init), secrets);
        return fetch(input, init);
      },
    });
  }

  before(async () => {
    const basic = scriptedClient('burst', server.clients.basic);
    await sdk.tracerProvider.getTracer('test').startActiveSpan('caller', async (span) => {
      callerSpanId = span.spanContext().spanId;
      const statuses = await Promise.all(Array.from({ length: BURST }, async () => (await basic.fetch('/whoami')).status));
      assert.deepEqual(new Set(statuses), new Set([200]));
      span.end();
    });
    const burst = await sdk.points();

    await server.revokeAllTokens();
    assert.equal((await basic.fetch('/whoami')).status, 200);
    const rejection = await sdk.points();

    // 3-second tokens are renewed in the background after about 1.4 s; the first renewal fails (one attempt, a 503).
    const renewing = scriptedClient('renewal', server.clients.shortLived, { tokenRequestAttempts: 1 });
    assert.equal((await renewing.fetch('/whoami')).status, 200);
    server.failNextTokenRequests(1);
    const renewed = () => events.filter(({ client, event }) => client === 'renewal' && event.type === 'token-updated').length === 2;
    for (const deadline = Date.now() + 10_000; !renewed() && Date.now() < deadline; await sleep(25)) {
      assert.equal((await renewing.fetch('/whoami')).status, 200);
    }
    const renewal = await sdk.points();

    // A 503 with Retry-After: 0, then a token: two attempts of one request (client_secret_jwt: an assertion on the wire).
    const retrying = scriptedClient('retry', server.clients.clientSecretJwt, { tokenEndpointAuthMethod: 'client_secret_jwt' });
    server.failNextTokenRequests(1);
    assert.equal((await retrying.fetch('/whoami')).status, 200);
    const retry = await sdk.points();

    const refused = scriptedClient('failure', { id: server.clients.basic.id, secret: CANARY_SECRET });
    await assert.rejects(refused.fetch('/whoami'), OAuthProviderError);
    const failure = await sdk.points();

    snapshots = { burst, rejection, renewal, retry, failure };
  });

  test('a burst: 20 calls, 1 token request, a success with its duration and a span under the first caller', () => {
    const points = snapshots.burst;
    const burst = { [CLIENT]: 'burst' };
    assert.equal(total(points, REQUESTS, burst), 1);
    assert.equal(total(points, REQUESTS, { ...burst, 'oauth_ccg.outcome': 'success', 'server.address': '127.0.0.1', 'server.port': Number(new URL(server.tokenUrl).port) }), 1);
    assert.equal(total(points, DURATION, { ...burst, 'oauth_ccg.outcome': 'success' }), 1);
    assert.equal(total(points, 'oauth_ccg.token.waits', burst), BURST);
    assert.equal(total(points, 'oauth_ccg.token.updates', { ...burst, 'oauth_ccg.token.source': 'endpoint' }), 1);
    const [span] = sdk.spans().filter((candidate) => candidate.attributes[CLIENT] === 'burst');
    assert.equal(span?.name, 'oauth-ccg token request');
    assert.equal(span.parentSpanContext?.spanId, callerSpanId, 'the span belongs to the trace of the call that needed the token');
    assert.deepEqual(span.attributes, {
      [CLIENT]: 'burst',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.tokenUrl).port),
      'url.full': server.tokenUrl,
      'oauth_ccg.outcome': 'success',
      'oauth_ccg.token_request.attempt': 1,
    });
    assert.equal(span.status.code, 0, 'a success leaves the status unset');
  });

  test('a 401: 1 rejection and 1 more token request', () => {
    const burst = { [CLIENT]: 'burst' };
    assert.equal(total(snapshots.rejection, 'oauth_ccg.token.rejections', burst), 1);
    assert.equal(total(snapshots.rejection, REQUESTS, { ...burst, 'oauth_ccg.outcome': 'success' }), 2);
    assert.equal(total(snapshots.rejection, REQUESTS, burst), 2);
  });

  test('renewals: 2 started, 1 failed (503 temporarily_unavailable), 2 tokens with no wait after the first', () => {
    const renewal = { [CLIENT]: 'renewal' };
    const points = snapshots.renewal;
    assert.equal(total(points, 'oauth_ccg.token.renewals', renewal), 2);
    assert.equal(total(points, 'oauth_ccg.token.renewal.failures', { ...renewal, 'error.type': 'temporarily_unavailable', 'http.response.status_code': 503 }), 1);
    assert.equal(total(points, 'oauth_ccg.token.waits', renewal), 1);
    assert.equal(total(points, REQUESTS, { ...renewal, 'oauth_ccg.outcome': 'success' }), 2);
    assert.equal(total(points, REQUESTS, { ...renewal, 'oauth_ccg.outcome': 'failure', 'error.type': 'temporarily_unavailable' }), 1);
    assert.equal(total(points, REQUESTS, renewal), 3);
    assert.equal(total(points, 'oauth_ccg.token.failures', renewal), 0, 'callers never lacked a token');
  });

  test('a retried request: 2 attempts, a retry then a success, and a span for each', () => {
    const retry = { [CLIENT]: 'retry' };
    assert.equal(total(snapshots.retry, REQUESTS, { ...retry, 'oauth_ccg.outcome': 'retry', 'error.type': 'temporarily_unavailable', 'http.response.status_code': 503 }), 1);
    assert.equal(total(snapshots.retry, REQUESTS, { ...retry, 'oauth_ccg.outcome': 'success' }), 1);
    const spans = sdk.spans().filter((span) => span.attributes[CLIENT] === 'retry');
    assert.deepEqual(spans.map((span) => [span.attributes['oauth_ccg.token_request.attempt'], span.attributes['oauth_ccg.outcome'], span.status]), [
      [1, 'retry', { code: 2, message: 'temporarily_unavailable' }],
      [2, 'success', { code: 0 }],
    ]);
  });

  test('a refused client: 1 failed request and 1 token failure, both invalid_client', () => {
    const failure = { [CLIENT]: 'failure' };
    assert.equal(total(snapshots.failure, REQUESTS, { ...failure, 'oauth_ccg.outcome': 'failure', 'error.type': 'invalid_client' }), 1);
    assert.equal(total(snapshots.failure, 'oauth_ccg.token.failures', { ...failure, 'error.type': 'invalid_client' }), 1);
    assert.equal(total(snapshots.failure, REQUESTS, failure), 1);
  });

  test('in all: each attempt counted, timed and traced once; every counter equals its events', () => {
    const points = snapshots.failure;
    const attempts = events.filter(({ event }) => event.type === 'token-request').length;
    assert.equal(attempts, 8);
    assert.equal(total(points, REQUESTS), attempts);
    assert.equal(total(points, DURATION), attempts);
    assert.equal(sdk.spans().filter((span) => span.name === 'oauth-ccg token request').length, attempts);
    const durations = points.filter((point) => point.name === DURATION).map((point) => (point.value as Histogram).sum);
    assert.ok(durations.every((sum) => sum !== undefined && sum > 0 && sum < 10), `durations in seconds: ${durations.join(', ')}`);
    const count = (type: OAuthEvent['type']) => events.filter(({ event }) => event.type === type).length;
    assert.equal(total(points, 'oauth_ccg.token.waits'), count('token-wait'));
    assert.equal(total(points, 'oauth_ccg.token.updates'), count('token-updated'));
    assert.equal(total(points, 'oauth_ccg.token.renewals'), count('renewal-started'));
    assert.equal(total(points, 'oauth_ccg.token.failures'), count('token-failed'));
  });

  test('canary: no secret, token or credential in any data point or span', () => {
    assert.ok(secrets.size >= 8, `the run noted only ${secrets.size} secrets`);
    const telemetry = JSON.stringify([
      snapshots.failure.map(({ name, attributes }) => ({ name, attributes })),
      sdk.spans().map(({ name, attributes, events: spanEvents, status, links }) => ({ name, attributes, events: spanEvents, status, links })),
    ]);
    for (const secret of secrets) {
      for (const encoding of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])) {
        assert.ok(!telemetry.includes(encoding), `the telemetry holds a secret: ${encoding.slice(0, 12)}…`);
      }
    }
  });
});

describe('pairing attempts with their ends, from the events alone', () => {
  const TOKEN_URL = 'https://auth.example.com:8443/oauth/token';
  const updated: OAuthEvent = { type: 'token-updated', source: 'endpoint', token: { tokenType: 'Bearer' } };

  test("a retry of discovery or revocation (no attempt of its number open) is not a token request's", async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener();
    listener({ type: 'token-request-retry', attempt: 1, delayMs: 0, error: new NetworkError('discovery failed') });
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 1 });
    listener(updated);
    const points = await sdk.points();
    assert.equal(total(points, REQUESTS), 1);
    assert.equal(total(points, REQUESTS, { 'oauth_ccg.outcome': 'success', 'server.address': 'auth.example.com', 'server.port': 8443 }), 1);
  });

  test('each retry ends its own attempt, and the failure the last', async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener();
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 1 });
    listener({ type: 'token-request-retry', attempt: 1, delayMs: 0, error: new TimeoutError('no answer') });
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 2 });
    listener({ type: 'token-failed', error: new NetworkError('reset') });
    assert.deepEqual(sdk.spans().map((span) => [span.attributes['oauth_ccg.token_request.attempt'], span.attributes['oauth_ccg.outcome'], span.attributes['error.type']]), [
      [1, 'retry', 'TimeoutError'],
      [2, 'failure', 'NetworkError'],
    ]);
  });

  test('an attempt whose end is never reported (an application calling fetchToken) does not shift the next pairing', async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener();
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 1 });
    await sleep(200);
    listener({ type: 'token-wait' });
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 1 });
    listener(updated);
    const [duration] = (await sdk.points()).filter((point) => point.name === DURATION);
    assert.equal((duration?.value as Histogram).count, 1);
    assert.ok(((duration?.value as Histogram).sum ?? Infinity) < 0.1, 'the duration is the second attempt\'s');
  });

  test("a token from the shared store ends no request of the client's", async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener();
    listener({ type: 'token-request', url: TOKEN_URL, attempt: 1 });
    listener({ type: 'token-updated', source: 'store', token: { tokenType: 'Bearer' } });
    assert.equal(total(await sdk.points(), REQUESTS), 0);
    listener(updated);
    const points = await sdk.points();
    assert.equal(total(points, REQUESTS, { 'oauth_ccg.outcome': 'success' }), 1);
    assert.deepEqual([total(points, 'oauth_ccg.token.updates', { 'oauth_ccg.token.source': 'store' }), total(points, 'oauth_ccg.token.updates', { 'oauth_ccg.token.source': 'endpoint' })], [1, 1]);
  });
});

describe('what the telemetry says of each event', () => {
  test('every other event adds 1 to its counter, with what it says that may be an attribute', async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener({ attributes: { [CLIENT]: 'events' } });
    const storeTimeout = new TimeoutError('the store did not answer');
    const events: [OAuthEvent, string, Attributes][] = [
      [{ type: 'token-wait' }, 'oauth_ccg.token.waits', {}],
      [{ type: 'renewal-started' }, 'oauth_ccg.token.renewals', {}],
      [{ type: 'renewal-failed', error: storeTimeout, retryInMs: 10 }, 'oauth_ccg.token.renewal.failures', { 'error.type': 'TimeoutError' }],
      [{ type: 'token-failed', error: new ApiError('bad gateway', { statusCode: 502, headers: new Headers(), body: '' }) }, 'oauth_ccg.token.failures', { 'error.type': 'ApiError', 'http.response.status_code': 502 }],
      [{ type: 'token-rejected' }, 'oauth_ccg.token.rejections', {}],
      [{ type: 'token-rejected-repeatedly', retryInMs: 1000 }, 'oauth_ccg.token.repeated_rejections', {}],
      [{ type: 'dpop-proof-rejected' }, 'oauth_ccg.dpop.proof_rejections', {}],
      [{ type: 'dpop-nonce-retry', server: 'api' }, 'oauth_ccg.dpop.nonce_retries', { 'oauth_ccg.dpop.server': 'api' }],
      [{ type: 'store-failed', operation: 'setIfAbsent', error: storeTimeout }, 'oauth_ccg.store.fallbacks', { 'oauth_ccg.store.operation': 'setIfAbsent', 'error.type': 'TimeoutError' }],
      [{ type: 'store-resumed' }, 'oauth_ccg.store.resumptions', {}],
      [{ type: 'store-value-ignored', reason: 'undecryptable' }, 'oauth_ccg.store.ignored_values', { 'oauth_ccg.store.reason': 'undecryptable' }],
      [{ type: 'callback-error', callback: 'oAuthOnTokenUpdate', error: new TypeError('database down') }, 'oauth_ccg.callback.errors', { 'oauth_ccg.callback': 'oAuthOnTokenUpdate', 'error.type': '_OTHER' }],
    ];
    for (const [event] of events) listener(event);
    const points = (await sdk.points()).filter((point) => point.name !== REQUESTS && point.name !== DURATION);
    assert.deepEqual(
      points.map(({ name, attributes, value }) => ({ name, attributes, value })),
      events.map(([, name, attributes]) => ({ name, attributes: { [CLIENT]: 'events', ...attributes }, value: 1 })),
    );
  });

  test("error.type is a registered OAuth error code, the library's error class, or _OTHER: never a server's or a user's text", async () => {
    const sdk = telemetrySdk();
    const listener = sdk.listener();
    const secret = 'sk_live_a-secret-echoed-by-the-server';
    const failures = [
      new OAuthProviderError({ error: 'invalid_scope', statusCode: 400, headers: new Headers() }),
      new OAuthProviderError({ error: secret, errorDescription: secret, statusCode: 400, headers: new Headers() }),
      Object.assign(new Error(secret), { name: secret }),
      secret,
    ];
    for (const error of failures) listener({ type: 'token-failed', error });
    const points = (await sdk.points()).filter((point) => point.name === 'oauth_ccg.token.failures');
    assert.deepEqual(points.map(({ attributes, value }) => ({ attributes, value })), [
      { attributes: { 'error.type': 'invalid_scope', 'http.response.status_code': 400 }, value: 1 },
      { attributes: { 'error.type': 'OAuthProviderError', 'http.response.status_code': 400 }, value: 1 },
      { attributes: { 'error.type': '_OTHER' }, value: 2 },
    ]);
  });

  test('a 500 then a reset from a misbehaving token endpoint: a retry named ApiError with its status, then a NetworkError failure', async () => {
    await withFaultServer(async (faultServer) => {
      faultServer.respondWith(status(500, '<html>oops</html>'), reset());
      const sdk = telemetrySdk();
      const client = new Client({
        baseUrl: faultServer.origin,
        tokenUrl: faultServer.url,
        tokenRequestAttempts: 2,
        clientCredentialsAuthCredentials: { oAuthClientId: 'client', oAuthClientSecret: CANARY_SECRET },
        onEvent: sdk.listener(),
      });
      await assert.rejects(client.fetch('/'), NetworkError);
      const spans = sdk.spans();
      assert.deepEqual(spans.map((span) => [span.attributes['oauth_ccg.outcome'], span.attributes['error.type'], span.attributes['http.response.status_code'], span.status.message]), [
        ['retry', 'ApiError', 500, 'ApiError'],
        ['failure', 'NetworkError', undefined, 'NetworkError'],
      ]);
      assert.equal(total(await sdk.points(), 'oauth_ccg.token.failures', { 'error.type': 'NetworkError' }), 1);
    });
  });
});

test("a shared store: a token from it is counted by its source and ends no request of the client's; a failing store is a fallback", async () => {
  const sdk = telemetrySdk();
  const store = new ObservedStore(new MemoryTokenStore());
  const sharing = (name: string) =>
    new Client({
      baseUrl: server.apiUrl,
      tokenUrl: server.tokenUrl,
      tokenStore: store,
      clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret },
      onEvent: sdk.listener({ attributes: { [CLIENT]: name } }),
    });
  assert.equal((await sharing('fetcher').fetch('/whoami')).status, 200);
  assert.equal((await sharing('sharer').fetch('/whoami')).status, 200);
  const shared = await sdk.points();
  assert.deepEqual([total(shared, REQUESTS, { [CLIENT]: 'fetcher', 'oauth_ccg.outcome': 'success' }), total(shared, REQUESTS, { [CLIENT]: 'sharer' })], [1, 0]);
  assert.equal(total(shared, 'oauth_ccg.token.updates', { [CLIENT]: 'sharer', 'oauth_ccg.token.source': 'store' }), 1);

  store.fault = 'reject';
  assert.equal((await sharing('alone').fetch('/whoami')).status, 200);
  const alone = await sdk.points();
  assert.equal(total(alone, 'oauth_ccg.store.fallbacks', { [CLIENT]: 'alone', 'oauth_ccg.store.operation': 'get', 'error.type': '_OTHER' }), 1);
  assert.equal(total(alone, REQUESTS, { [CLIENT]: 'alone', 'oauth_ccg.outcome': 'success' }), 1);
});

test('by default, the global providers as they are at the first event: an SDK registered after the client was made is used', async () => {
  const listener = openTelemetryListener();
  const sdk = telemetrySdk();
  metrics.setGlobalMeterProvider(sdk.meterProvider);
  trace.setGlobalTracerProvider(sdk.tracerProvider);
  listener({ type: 'token-request', url: 'https://auth.example.com/token', attempt: 1 });
  listener({ type: 'token-updated', source: 'endpoint', token: { tokenType: 'Bearer' } });
  assert.equal(total(await sdk.points(), REQUESTS, { 'oauth_ccg.outcome': 'success', 'server.port': 443 }), 1);
  assert.equal(sdk.spans().length, 1);
});

test('examples/otel.ts: the listener with the global providers, and what it recorded for three calls at once', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/otel.ts'], {
    timeout: 30_000,
    env: { ...process.env, API_BASE_URL: server.apiUrl, TOKEN_URL: server.tokenUrl, CLIENT_ID: server.clients.basic.id, CLIENT_SECRET: server.clients.basic.secret },
  });
  assert.match(stdout, /^calls: 200 200 200\n/);
  assert.match(stdout, /\noauth_ccg\.token\.requests \{[^}]*"oauth_ccg\.outcome":"success"\}: 1\n/);
  assert.match(stdout, /\noauth_ccg\.token\.waits \{\}: 3\n/);
  assert.match(stdout, /\nspan: oauth-ccg token request \{/);
});

/** Notes every credential a request carries: its Authorization value, the secret or assertion in its form body, its DPoP proof. */
function noteCredentials(request: Request, secrets: Set<string>): void {
  const authorization = request.headers.get('authorization');
  if (authorization) secrets.add(authorization.replace(/^\S+\s+/, ''));
  const proof = request.headers.get('dpop');
  if (proof) secrets.add(proof);
  void request.text().then((body) => {
    const form = new URLSearchParams(body);
    for (const name of ['client_secret', 'client_assertion']) {
      const value = form.get(name);
      if (value) secrets.add(value);
    }
  });
}
