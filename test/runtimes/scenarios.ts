// The conformance scenarios: written once, run unchanged on every runtime (Node, Bun, Deno, workerd).
// Web-standard APIs only — fetch, URL, timers, Promise — like the library itself: no node:assert, no
// process, no Deno or Bun namespace. A later feature adds its scenarios to this list; one that a runtime
// cannot run says so through `unsupportedBecause`, and the run reports it by name. A library each runtime
// loads its own way (axios, undici) comes in through the World; the OpenTelemetry SDK is bundled in, its web build.
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ApiError, Client, MemoryTokenStore, OAuthCcgError, OAuthProviderError, type ClientConfiguration, type OAuthEvent } from 'oauth-ccg';
import { attachClient } from 'oauth-ccg/axios';
import { openTelemetryListener } from 'oauth-ccg/otel';
import { oauthInterceptor } from 'oauth-ccg/undici';
import type { World } from './world.ts';

export interface Scenario {
  name: string;
  /** Why the runtime it is running on cannot run it; `undefined` when it can. Decided where it runs, by feature detection. */
  unsupportedBecause?(world: World): string | undefined;
  run(world: World): Promise<void>;
}

export const scenarios: Scenario[] = [
  {
    name: 'the first call fetches a token',
    async run(world) {
      const before = await tokenRequests(world);
      const response = await clientFor(world).fetch('/whoami');
      expect(response.status, 200, 'status');
      expect(((await response.json()) as { clientId: string }).clientId, world.client.id, 'client id seen by the API');
      expect((await tokenRequests(world)) - before, 1, 'token requests');
    },
  },
  {
    name: 'later calls reuse the token',
    async run(world) {
      const client = clientFor(world);
      const before = await tokenRequests(world);
      for (let call = 0; call < 5; call++) expect((await client.fetch('/whoami')).status, 200, `status of call ${call + 1}`);
      expect((await tokenRequests(world)) - before, 1, 'token requests for 5 calls');
    },
  },
  {
    name: '1,000 concurrent first calls make 1 token request',
    async run(world) {
      const client = clientFor(world);
      const before = await tokenRequests(world);
      const statuses = await Promise.all(Array.from({ length: 1000 }, () => client.fetch('/whoami').then((response) => response.status)));
      expect(statuses.filter((status) => status === 200).length, 1000, 'calls answered 200');
      expect((await tokenRequests(world)) - before, 1, 'token requests');
    },
  },
  {
    name: 'a 401 gets a new token and the call is replayed',
    async run(world) {
      const client = clientFor(world);
      expect((await client.fetch('/whoami')).status, 200, 'status before revocation');
      const revoked = client.clientCredentialsAuthManager.token?.accessToken;
      await control(world, 'POST', '/revoke');
      const before = await tokenRequests(world);
      expect((await client.fetch('/whoami')).status, 200, 'status after revocation');
      expect((await tokenRequests(world)) - before, 1, 'token requests after the 401');
      expect(client.clientCredentialsAuthManager.token?.accessToken !== revoked, true, 'the token changed');
    },
  },
  {
    name: 'the token is renewed ahead of expiry, with no caller waiting',
    async run(world) {
      const events: OAuthEvent['type'][] = [];
      const client = clientFor(world, { clientCredentialsAuthCredentials: { oAuthClientId: world.shortLived.id, oAuthClientSecret: world.shortLived.secret }, onEvent: (event) => events.push(event.type) });
      expect((await client.fetch('/whoami')).status, 200, 'status of the first call');
      const first = client.clientCredentialsAuthManager.token?.accessToken;
      // A token is used until its margin (10% of its lifetime, 1 s to 10 s) before expiry, and its renewal is
      // due from when a third of that usable time is left, less up to a quarter of that third for jitter: a
      // quarter left at the latest. Just past that point the token is still used and due for renewal
      // (5 s tokens: used for 4 s, renewal due by 3 s, this call at 3.1 s plus the first call's time).
      const usableMs = (world.shortLived.ttlSeconds - Math.min(Math.max(world.shortLived.ttlSeconds / 10, 1), 10)) * 1000;
      await sleep(usableMs * 0.75 + 100);
      events.length = 0;
      expect((await client.fetch('/whoami')).status, 200, 'status of the call after the renewal point');
      expect(events.includes('token-wait'), false, 'the call waited for a token');
      expect(events.includes('renewal-started'), true, 'a renewal started');
      await until(() => events.includes('token-updated'), 'the renewed token');
      expect(client.clientCredentialsAuthManager.token?.accessToken !== first, true, 'the token changed');
    },
  },
  {
    name: 'a token endpoint failure fails the call, and the next call recovers',
    async run(world) {
      const client = clientFor(world, { tokenUrl: `${world.control}/token`, tokenRequestAttempts: 1 });
      await control(world, 'POST', '/token/fail-next');
      const failure = await rejection(client.fetch('/whoami'));
      expect(failure instanceof ApiError && failure.statusCode, 503, 'the error of the failed call (ApiError, status)');
      expect((await client.fetch('/whoami')).status, 200, 'status of the next call');
    },
  },
  {
    name: 'an API that never answers times out',
    async run(world) {
      const client = clientFor(world, { baseUrl: `${world.control}/silent`, timeout: 500 });
      const failure = await rejection(client.fetch('/anything'));
      expect((failure as Error).name, 'TimeoutError', 'the error name');
    },
  },
  {
    name: 'private_key_jwt with an ES256 key as a JWK: every token request carries a fresh assertion the server verifies',
    run: (world) => freshAssertionPerTokenRequest(world, world.privateKeyJwt.jwk),
  },
  {
    name: 'private_key_jwt with an ES256 key as a PKCS#8 PEM: every token request carries a fresh assertion the server verifies',
    run: (world) => freshAssertionPerTokenRequest(world, world.privateKeyJwt.pem),
  },
  {
    name: '1,000 concurrent first calls with private_key_jwt make 1 token request',
    async run(world) {
      const client = clientFor(world, privateKeyJwt(world, world.privateKeyJwt.jwk));
      const before = await tokenRequests(world);
      const statuses = await Promise.all(Array.from({ length: 1000 }, () => client.fetch('/whoami').then((response) => response.status)));
      expect(statuses.filter((status) => status === 200).length, 1000, 'calls answered 200');
      expect((await tokenRequests(world)) - before, 1, 'token requests');
    },
  },
  {
    name: 'discovery: with the issuer and no token URL, the token endpoint comes from the metadata',
    async run(world) {
      // No tokenUrl: the only place the client can learn the token endpoint from is the issuer's metadata.
      const { tokenUrl: _none, ...withoutTokenUrl } = clientConfiguration(world);
      const client = new Client({ ...withoutTokenUrl, issuer: world.issuer });
      const before = await tokenRequests(world);
      const response = await client.fetch('/whoami');
      expect(response.status, 200, 'status');
      expect(((await response.json()) as { clientId: string }).clientId, world.client.id, 'client id seen by the API');
      expect((await tokenRequests(world)) - before, 1, "token requests at the metadata's token endpoint");
    },
  },
  {
    name: 'DPoP with a key pair the runtime generated: a DPoP token bound to it, each request a new proof the API verifies',
    async run(world) {
      const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      const key = await thumbprintOf(keyPair.publicKey);
      const client = clientFor(world, { dpop: { keyPair } });
      const marks = await dpopMarks(world);
      for (let call = 0; call < 3; call++) expect((await client.fetch('/whoami')).status, 200, `status of call ${call + 1}`);
      const manager = client.clientCredentialsAuthManager;
      expect(manager.token?.tokenType, 'DPoP', 'the token type');
      // A caller's own HTTP stack, with the headers for one request.
      const url = `${world.apiUrl}/whoami`;
      const headers = await manager.authorizationHeaders('GET', url);
      expect(headers.authorization, `DPoP ${manager.token?.accessToken}`, 'the Authorization header');
      expect((await fetch(url, { headers })).status, 200, 'status with authorizationHeaders');

      const [issued, ...moreTokens] = await dpopTokenRequests(world, marks);
      expect(moreTokens.length, 0, 'token requests after the first');
      expect(issued?.tokenType, 'DPoP', 'the token type the server issued');
      expect(issued?.proofKey, key, "the token request proof's key thumbprint");
      expect(issued?.boundTo, key, "the token's cnf.jkt");
      // The API refuses a proof of another key and a proof it has seen (its jti): 4 times ok is 4 new proofs of this key.
      const calls = await dpopApiRequests(world, marks);
      expect(calls.map((request) => `${request.outcome} ${request.proofKey}`).join(), Array(4).fill(`ok ${key}`).join(), 'API outcomes and proof keys');
    },
  },
  {
    name: 'DPoP nonces demanded by the token endpoint and the API: 10 concurrent first calls, 1 token, 1 nonce retry, every call succeeds',
    async run(world) {
      const client = clientFor(world, { dpop: true });
      const marks = await dpopMarks(world);
      await control(world, 'POST', '/dpop/nonces/on');
      try {
        const statuses = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/whoami').then((response) => response.status)));
        expect(statuses.filter((status) => status === 200).length, 10, 'calls answered 200');
        const tokenRequests = await dpopTokenRequests(world, marks);
        expect(tokenRequests.map((request) => `${request.status} ${request.proofNonce !== undefined}`).join(), '400 false,200 true', 'token requests (status, nonce in the proof)');
        expect(tokenRequests[1]?.boundTo, tokenRequests[1]?.proofKey, "the token's cnf.jkt is the proofs' key");
        // Each call met the API's nonce demand at most once; after that, a call carries the nonce and needs no replay.
        const calls = await dpopApiRequests(world, marks);
        expect(calls.filter((request) => request.outcome === 'ok').length, 10, 'API requests answered ok');
        expect(calls.filter((request) => request.outcome === 'use_dpop_nonce').length <= 10, true, 'at most one nonce demand per call');
        expect(calls.length <= 20, true, 'no other API requests');
        const known = await dpopMarks(world);
        expect((await client.fetch('/whoami')).status, 200, 'status of a call with the nonce known');
        expect((await dpopApiRequests(world, known)).map((request) => `${request.outcome} ${request.proofNonce !== undefined}`).join(), 'ok true', 'API requests of that call');
      } finally {
        await control(world, 'POST', '/dpop/nonces/off');
      }
    },
  },
  {
    name: 'a 401 storm on a revoked DPoP token: 100 concurrent calls, 1 new DPoP token, every call succeeds',
    async run(world) {
      const client = clientFor(world, { dpop: true });
      expect((await client.fetch('/whoami')).status, 200, 'status before revocation');
      const revoked = client.clientCredentialsAuthManager.token?.accessToken;
      await control(world, 'POST', '/revoke');
      const marks = await dpopMarks(world);
      const statuses = await Promise.all(Array.from({ length: 100 }, () => client.fetch('/whoami').then((response) => response.status)));
      expect(statuses.filter((status) => status === 200).length, 100, 'calls answered 200');
      const tokenRequests = await dpopTokenRequests(world, marks);
      expect(tokenRequests.map((request) => `${request.status} ${request.tokenType}`).join(), '200 DPoP', 'token requests after the revocation');
      expect(client.clientCredentialsAuthManager.token?.accessToken !== revoked, true, 'the token changed');
    },
  },
  {
    name: 'mTLS (tls_client_auth) with a certificate-bound token',
    // mtlsFetch is oauth-ccg/node's (undici and node:crypto), given only on Node (./main.ts). The README
    // shows mTLS on Bun (fetch's `tls` option), Deno (Deno.createHttpClient) and Workers (a certificate binding).
    unsupportedBecause: (world) => (world.mtlsFetch ? undefined : 'mtlsFetch (oauth-ccg/node) is Node only; the README shows mTLS on this runtime'),
    async run(world) {
      const { mtlsFetch } = world as Required<World>;
      const { cert, key, ca } = world.mtls;
      const client = new Client({
        baseUrl: world.mtls.apiUrl,
        tokenUrl: world.mtls.tokenUrl,
        tokenEndpointAuthMethod: 'tls_client_auth',
        fetch: mtlsFetch({ cert, key, ca }),
        clientCredentialsAuthCredentials: { oAuthClientId: world.mtls.clientId },
      });
      const before = await tokenRequests(world);
      // The API answers 401 to a certificate-bound token without its certificate: 200 is the binding honoured.
      const response = await client.fetch('/whoami');
      expect(response.status, 200, 'status at the mTLS API');
      expect(((await response.json()) as { clientId: string }).clientId, world.mtls.clientId, 'client id seen by the API');
      expect((await tokenRequests(world)) - before, 1, 'token requests');
    },
  },
  {
    name: 'five clients sharing a MemoryTokenStore: 100 concurrent first calls make 1 token request; a 401 storm among them, 1 more',
    async run(world) {
      const tokenStore = new MemoryTokenStore();
      const clients = Array.from({ length: 5 }, () => clientFor(world, { tokenStore }));
      const callAll = async () => {
        const statuses = await Promise.all(clients.flatMap((client) => Array.from({ length: 20 }, () => client.fetch('/whoami').then((response) => response.status))));
        expect(statuses.filter((status) => status === 200).length, 100, 'calls answered 200');
      };
      const before = await tokenRequests(world);
      await callAll();
      expect((await tokenRequests(world)) - before, 1, 'token requests for the first calls');
      await control(world, 'POST', '/revoke');
      await callAll();
      expect((await tokenRequests(world)) - before, 2, 'token requests after the revocation');
    },
  },
  {
    name: 'two clients sharing a FileTokenStore: 40 concurrent first calls make 1 token request',
    unsupportedBecause: (world) => (world.FileTokenStore ? undefined : 'no file system: share through MemoryTokenStore, or a store on KV or a Durable Object'),
    async run(world) {
      const { FileTokenStore } = world as Required<World>;
      const clients = Array.from({ length: 2 }, () => clientFor(world, { tokenStore: new FileTokenStore({ directory: world.fileStore.directory }) }));
      const before = await tokenRequests(world);
      const statuses = await Promise.all(clients.flatMap((client) => Array.from({ length: 20 }, () => client.fetch('/whoami').then((response) => response.status))));
      expect(statuses.filter((status) => status === 200).length, 40, 'calls answered 200');
      expect((await tokenRequests(world)) - before, 1, 'token requests');
    },
  },
  {
    name: 'no error carries the secret or the token',
    async run(world) {
      const wrongSecret = `wrong-secret-${crypto.randomUUID()}`;
      const refused = await rejection(clientFor(world, { clientCredentialsAuthCredentials: { oAuthClientId: world.client.id, oAuthClientSecret: wrongSecret } }).fetch('/whoami'));
      expect(refused instanceof OAuthProviderError, true, 'a wrong secret gives an OAuthProviderError');
      expect(everythingIn(refused).includes(wrongSecret), false, 'the secret appears in the error');

      const client = clientFor(world, { baseUrl: `${world.control}/silent`, timeout: 200 });
      const timedOut = await rejection(client.fetch('/anything'));
      const token = client.clientCredentialsAuthManager.token?.accessToken;
      expect(typeof token, 'string', 'a token was held');
      for (const secret of [token!, world.client.secret]) expect(everythingIn(timedOut).includes(secret), false, 'the token or secret appears in the timeout error');

      await control(world, 'POST', '/token/fail-next');
      const failed = await rejection(clientFor(world, { tokenUrl: `${world.control}/token`, tokenRequestAttempts: 1 }).fetch('/whoami'));
      expect(failed instanceof OAuthCcgError, true, 'a failed token request gives an OAuthCcgError');
      expect(everythingIn(failed).includes(world.client.secret), false, 'the secret appears in the token request error');
    },
  },
  {
    name: 'axios (oauth-ccg/axios): 50 concurrent first calls make 1 token request; after a revocation, 50 calls get 1 new token and succeed',
    // Every entry gives axios: the Node build (its http adapter) on Node, Bun and Deno, the browser build (its fetch adapter) on workerd.
    async run(world) {
      const { axios } = world as Required<World>;
      const client = clientFor(world);
      const api = axios.create({ baseURL: world.apiUrl });
      attachClient(api, client);
      const callAll = () => Promise.all(Array.from({ length: 50 }, () => api.get<{ clientId: string }>('/whoami')));
      const before = await tokenRequests(world);
      const first = await callAll();
      expect(first.filter((response) => response.status === 200).length, 50, 'calls answered 200');
      expect(first[0]?.data.clientId, world.client.id, 'client id seen by the API');
      expect((await tokenRequests(world)) - before, 1, 'token requests for the first calls');
      const revoked = client.clientCredentialsAuthManager.token?.accessToken;
      await control(world, 'POST', '/revoke');
      expect((await callAll()).filter((response) => response.status === 200).length, 50, 'calls answered 200 after the revocation');
      expect((await tokenRequests(world)) - before, 2, 'token requests after the revocation');
      expect(client.clientCredentialsAuthManager.token?.accessToken !== revoked, true, 'the token changed');
    },
  },
  {
    name: 'undici (oauth-ccg/undici): 50 concurrent first undici.request calls make 1 token request; after a revocation, 50 calls get 1 new token and succeed',
    // undici from npm, given by ./main.ts. With nodejs_compat a Worker would load it and connect, then fail:
    // undici compiles its HTTP parser (llhttp) from WebAssembly bytes, which workerd refuses to do.
    unsupportedBecause: (world) =>
      world.undici ? undefined : 'undici compiles its HTTP parser from WebAssembly at run time, which Workers forbid: use client.fetch',
    async run(world) {
      const { undici } = world as Required<World>;
      const client = clientFor(world);
      const agent = new undici.Agent();
      try {
        const dispatcher = agent.compose(oauthInterceptor(client));
        const call = async () => {
          const { statusCode, body } = await undici.request(`${world.apiUrl}/whoami`, { dispatcher });
          return { status: statusCode, clientId: ((await body.json()) as { clientId?: string }).clientId };
        };
        const callAll = () => Promise.all(Array.from({ length: 50 }, call));
        const before = await tokenRequests(world);
        const first = await callAll();
        expect(first.filter((response) => response.status === 200).length, 50, 'calls answered 200');
        expect(first[0]?.clientId, world.client.id, 'client id seen by the API');
        expect((await tokenRequests(world)) - before, 1, 'token requests for the first calls');
        const revoked = client.clientCredentialsAuthManager.token?.accessToken;
        await control(world, 'POST', '/revoke');
        expect((await callAll()).filter((response) => response.status === 200).length, 50, 'calls answered 200 after the revocation');
        expect((await tokenRequests(world)) - before, 2, 'token requests after the revocation');
        expect(client.clientCredentialsAuthManager.token?.accessToken !== revoked, true, 'the token changed');
      } finally {
        await agent.close();
      }
    },
  },
  {
    name: "OpenTelemetry (oauth-ccg/otel) into the SDK, in memory: 50 concurrent first calls count 1 token request, a revoked token 1 rejection and 1 more; no attribute holds the secret or a token",
    async run(world) {
      const reader = new CollectingReader();
      const spans = new InMemorySpanExporter();
      const onEvent = openTelemetryListener({
        meterProvider: new MeterProvider({ readers: [reader] }),
        tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }),
      });
      const client = clientFor(world, { onEvent });
      const callAll = async () => {
        const statuses = await Promise.all(Array.from({ length: 50 }, () => client.fetch('/whoami').then((response) => response.status)));
        expect(statuses.filter((status) => status === 200).length, 50, 'calls answered 200');
      };
      const before = await tokenRequests(world);
      await callAll();
      let points = await collect(reader);
      expect(total(points, 'oauth_ccg.token.requests', { 'oauth_ccg.outcome': 'success' }), 1, 'oauth_ccg.token.requests (success) after the first calls');
      expect(total(points, 'oauth_ccg.token.requests'), 1, 'oauth_ccg.token.requests (any outcome) after the first calls');
      expect((await tokenRequests(world)) - before, 1, 'token requests the server saw');
      const tokens = [client.clientCredentialsAuthManager.token?.accessToken];
      await control(world, 'POST', '/revoke');
      await callAll();
      tokens.push(client.clientCredentialsAuthManager.token?.accessToken);
      points = await collect(reader);
      expect(total(points, 'oauth_ccg.token.requests', { 'oauth_ccg.outcome': 'success' }), 2, 'oauth_ccg.token.requests (success) after the revocation');
      expect(total(points, 'oauth_ccg.token.request.duration'), 2, 'oauth_ccg.token.request.duration (count)');
      expect(total(points, 'oauth_ccg.token.rejections'), 1, 'oauth_ccg.token.rejections');
      expect((await tokenRequests(world)) - before, 2, 'token requests the server saw after the revocation');
      const finished = spans.getFinishedSpans();
      expect(finished.map((span) => span.name).join(), 'oauth-ccg token request,oauth-ccg token request', 'spans');
      // The canary: everything the SDK would export, as text.
      const exported = JSON.stringify([
        points,
        finished.map(({ name, attributes, events, status, links }) => ({ name, attributes, events, status, links })),
      ]);
      expect(typeof tokens[0] === 'string' && typeof tokens[1] === 'string' && tokens[0] !== tokens[1], true, 'a token, then a new one, held');
      for (const [what, secret] of [['the secret', world.client.secret], ['the first token', tokens[0]!], ['the second token', tokens[1]!]] as const) {
        expect(exported.includes(secret), false, `${what} appears in the telemetry`);
      }
    },
  },
];

/** A metric reader the scenario collects from when it wants, instead of on a timer. */
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

interface Point {
  name: string;
  attributes: Record<string, unknown>;
  value: number | Histogram;
}

async function collect(reader: MetricReader): Promise<Point[]> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors.length, 0, 'errors collecting the metrics');
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) => (metric.dataPoints as DataPoint<number | Histogram>[]).map(({ attributes, value }) => ({ name: metric.descriptor.name, attributes, value }))),
  );
}

/** The sum of a counter's data points (the count of a histogram's) whose attributes include `where`. */
function total(points: Point[], name: string, where: Record<string, unknown> = {}): number {
  return points
    .filter((point) => point.name === name && Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, { value }) => sum + (typeof value === 'number' ? value : value.count), 0);
}

function clientFor(world: World, overrides: Partial<ClientConfiguration> = {}): Client {
  return new Client({ ...clientConfiguration(world), ...overrides });
}

function clientConfiguration(world: World): ClientConfiguration {
  return {
    baseUrl: world.apiUrl,
    tokenUrl: world.tokenUrl,
    clientCredentialsAuthCredentials: { oAuthClientId: world.client.id, oAuthClientSecret: world.client.secret },
  };
}

function privateKeyJwt(world: World, key: World['privateKeyJwt']['jwk'] | string): Partial<ClientConfiguration> {
  return {
    tokenEndpointAuthMethod: 'private_key_jwt',
    clientCredentialsAuthCredentials: { oAuthClientId: world.privateKeyJwt.id, oAuthPrivateKey: key, oAuthPrivateKeyId: world.privateKeyJwt.kid },
  };
}

/**
 * Two token requests by one client (the second after its token is revoked): oidc-provider accepts an
 * assertion only if its signature verifies with the registered public key, and refuses a `jti` it has seen.
 */
async function freshAssertionPerTokenRequest(world: World, key: World['privateKeyJwt']['jwk'] | string): Promise<void> {
  const client = clientFor(world, privateKeyJwt(world, key));
  const before = ((await control(world, 'GET', '/client-assertions')) as unknown[]).length;
  expect((await client.fetch('/whoami')).status, 200, 'status of the first call');
  await control(world, 'POST', '/revoke');
  expect((await client.fetch('/whoami')).status, 200, 'status after revocation');
  const accepted = ((await control(world, 'GET', '/client-assertions')) as { clientId: string; jti?: string }[]).slice(before);
  expect(accepted.length, 2, 'assertions accepted by the server');
  expect(accepted.every((assertion) => assertion.clientId === world.privateKeyJwt.id), true, 'every assertion is for the private_key_jwt client');
  expect(typeof accepted[0]!.jti === 'string' && accepted[0]!.jti !== accepted[1]!.jti, true, 'each assertion has its own jti');
}

interface DpopTokenRequest { status: number; tokenType?: string; proofKey?: string; proofNonce?: string; boundTo?: string }
interface DpopApiRequest { outcome: string; proofKey?: string; proofNonce?: string }

/** How many token and API requests the servers have seen so far: where a scenario's own requests begin. */
async function dpopMarks(world: World): Promise<{ tokenRequests: number; apiRequests: number }> {
  return { tokenRequests: await tokenRequests(world), apiRequests: (await control(world, 'GET', '/api-requests')) as number };
}

async function dpopTokenRequests(world: World, since: { tokenRequests: number }): Promise<DpopTokenRequest[]> {
  return (await control(world, 'GET', `/dpop/token-requests?from=${since.tokenRequests}`)) as DpopTokenRequest[];
}

async function dpopApiRequests(world: World, since: { apiRequests: number }): Promise<DpopApiRequest[]> {
  return (await control(world, 'GET', `/dpop/api-requests?from=${since.apiRequests}`)) as DpopApiRequest[];
}

/** The RFC 7638 JWK thumbprint of an EC public key, computed here with the runtime's WebCrypto: what `cnf.jkt` must be. */
async function thumbprintOf(publicKey: Parameters<typeof crypto.subtle.exportKey>[1]): Promise<string> {
  const { crv, kty, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify({ crv, kty, x, y }))));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function control(world: World, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const response = await fetch(`${world.control}${path}`, { method });
  if (!response.ok) throw new Error(`control ${method} ${path}: HTTP ${response.status}`);
  return response.json();
}

async function tokenRequests(world: World): Promise<number> {
  return (await control(world, 'GET', '/token-requests')) as number;
}

function expect(actual: unknown, expected: unknown, what: string): void {
  if (!Object.is(actual, expected)) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
  for (const deadline = Date.now() + ms; !condition(); await sleep(20)) {
    if (Date.now() > deadline) throw new Error(`${what} did not come within ${ms} ms`);
  }
}

/** Every string an error shows: message, stack, own properties (headers included), and the same for its causes. */
function everythingIn(error: unknown, seen = new Set<unknown>()): string {
  if (typeof error !== 'object' || error === null || seen.has(error)) return String(error);
  seen.add(error);
  const parts = [String(error), (error as Error).stack ?? ''];
  for (const key of Object.getOwnPropertyNames(error)) {
    const value = (error as Record<string, unknown>)[key];
    parts.push(key, value instanceof Headers ? JSON.stringify([...value]) : everythingIn(value, seen));
  }
  return parts.join('\n');
}
