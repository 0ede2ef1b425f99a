// RFC 8414 discovery, one exchange: where the metadata is looked for, when it falls back to OpenID Connect
// Discovery, what a document must hold, and which failures are transient. Against the fault server (any
// answer, every request recorded) and against oidc-provider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigurationError, DiscoveryError, NetworkError, TimeoutError } from 'oauth-ccg';
import { isPermanent, isTransient } from '../src/lifecycle/retry.ts';
import { clientSecretBasic } from '../src/protocol/client-authentication/client-secret-basic.ts';
import { discoverAuthorizationServer } from '../src/protocol/discovery.ts';
import { requestToken } from '../src/protocol/token-request.ts';
import { startAuthorizationServer } from './support/authorization-server.ts';
import { hang, json, largeBody, redirect, reset, withFaultServer, status, type Behaviour } from './support/fault-server.ts';
import { startRecorder } from './support/recorder.ts';

const MIB = 1024 * 1024;
const RFC8414 = '/.well-known/oauth-authorization-server';
const OPENID = '/.well-known/openid-configuration';

const http = (timeout = 2_000) => ({ fetch, timeout, scrub: (text: string) => text });

/** A minimal valid document for `issuer`, its endpoints on the same server, with `fields` over it. */
const metadata = (issuer: string, fields: Record<string, unknown> = {}): Behaviour =>
  json(200, { issuer, token_endpoint: `${new URL(issuer).origin}/token`, ...fields });


const discoveryFails = (issuer: string, timeout?: number) =>
  discoverAuthorizationServer(new URL(issuer), http(timeout)).then(
    () => assert.fail('discovery succeeded'),
    (error: unknown) => error,
  );

test('an issuer without a path: the RFC 8414 URL, a GET for JSON that carries nothing of the client', () =>
  withFaultServer(async (server) => {
    server.respondWith(metadata(server.origin));
    const found = await discoverAuthorizationServer(new URL(server.origin), http());
    assert.equal(server.requests.length, 1);
    const [request] = server.requests;
    assert.equal(request!.method, 'GET');
    assert.equal(request!.url, RFC8414);
    assert.equal(request!.headers.accept, 'application/json');
    assert.equal(request!.headers.authorization, undefined);
    // The server names itself without the slash `new URL` adds to an empty path: the same issuer, kept as spelt.
    assert.equal(found.issuer, server.origin);
    assert.ok(found.tokenEndpoint instanceof URL);
    assert.equal(found.tokenEndpoint.href, `${server.origin}/token`);
  }));

test('an issuer with a path: the path goes after the well-known segment (RFC 8414 §3.1)', () =>
  withFaultServer(async (server) => {
    server.respondWith(metadata(`${server.origin}/tenant/one`));
    const found = await discoverAuthorizationServer(new URL(`${server.origin}/tenant/one`), http());
    assert.equal(server.requests[0]!.url, `${RFC8414}/tenant/one`);
    assert.equal(found.issuer, `${server.origin}/tenant/one`);
  }));

test('a 404 falls back to OpenID Connect Discovery, the path before the well-known segment', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(404, 'not found'), metadata(`${server.origin}/tenant`));
    const found = await discoverAuthorizationServer(new URL(`${server.origin}/tenant`), http());
    assert.deepEqual(server.requests.map((request) => request.url), [`${RFC8414}/tenant`, `/tenant${OPENID}`]);
    assert.equal(found.tokenEndpoint.href, `${server.origin}/token`);
  }));

test('a trailing slash is part of the issuer: kept in the RFC 8414 URL, dropped before the OpenID suffix', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(404), metadata(`${server.origin}/tenant/`));
    await discoverAuthorizationServer(new URL(`${server.origin}/tenant/`), http());
    assert.deepEqual(server.requests.map((request) => request.url), [`${RFC8414}/tenant/`, `/tenant${OPENID}`]);
  }));

test('other 4xx answers also mean "not here" and fall back; both missing is a permanent DiscoveryError naming both URLs', () =>
  withFaultServer(async (server) => {
    for (const code of [400, 401, 403, 405, 410]) {
      server.respondWith(status(code), metadata(server.origin));
      await discoverAuthorizationServer(new URL(server.origin), http());
    }
    assert.equal(server.requests.length, 10);

    server.respondWith(status(404), status(404, 'nothing here either'));
    const error = await discoveryFails(server.origin);
    assert.ok(error instanceof DiscoveryError, String(error));
    assert.equal(error.statusCode, 404);
    assert.equal(error.body, 'nothing here either');
    assert.match(error.message, new RegExp(`Neither .*${RFC8414} \\(HTTP 404\\) nor .*${OPENID} \\(HTTP 404\\)`));
    assert.ok(isPermanent(error));
  }));

test('a 5xx or a 429 is a transient DiscoveryError, without fallback', () =>
  withFaultServer(async (server) => {
    for (const [index, code] of [500, 503, 429].entries()) {
      server.respondWith(status(code, 'busy', { 'retry-after': '1' }));
      const error = await discoveryFails(server.origin);
      assert.ok(error instanceof DiscoveryError, String(error));
      assert.equal(error.statusCode, code);
      assert.equal(error.headers.get('retry-after'), '1');
      assert.ok(isTransient(error));
      assert.equal(server.requests.length, index + 1);
    }
  }));

test('a 5xx from the fallback URL is transient too', () =>
  withFaultServer(async (server) => {
    server.respondWith(status(404), status(502));
    const error = await discoveryFails(server.origin);
    assert.ok(error instanceof DiscoveryError && error.statusCode === 502 && isTransient(error), String(error));
  }));

test('a document naming another issuer is a permanent DiscoveryError naming both, and is not retried elsewhere', () =>
  withFaultServer(async (server) => {
    server.respondWith(metadata('https://impostor.example'));
    const error = await discoveryFails(`${server.origin}/tenant`);
    assert.ok(error instanceof DiscoveryError, String(error));
    assert.equal(error.statusCode, 200);
    assert.ok(error.message.includes('"https://impostor.example"'), error.message);
    assert.ok(error.message.includes(`"${server.origin}/tenant"`), error.message);
    assert.ok(isPermanent(error));
    assert.equal(server.requests.length, 1);
  }));

test('issuers are compared exactly, but for the normalisation of new URL(x).href', () =>
  withFaultServer(async (server) => {
    const mismatches: [configured: string, named: string][] = [
      [`${server.origin}/tenant`, `${server.origin}/tenant/`],
      [`${server.origin}/tenant/`, `${server.origin}/tenant`],
      [`${server.origin}/tenant`, `${server.origin}/Tenant`],
      [server.origin, `${server.origin}/?`],
      [server.origin, 'not a url'],
    ];
    for (const [configured, named] of mismatches) {
      server.respondWith(metadata(server.origin, { issuer: named }));
      const error = await discoveryFails(configured);
      assert.ok(error instanceof DiscoveryError && /RFC 8414 §3\.3/.test(error.message), `${configured} vs ${named}: ${String(error)}`);
    }
    const matches: [configured: string, named: string][] = [
      [server.origin, `${server.origin}/`],
      [`${server.origin}/`, server.origin],
      ['https://auth.example/tenant', 'HTTPS://Auth.Example:443/tenant'],
      ['https://Auth.Example:443/tenant', 'https://auth.example/tenant'],
    ];
    // Any host is this server: the comparison, not the address, is under test.
    const anyHost: typeof fetch = (url, init) => fetch(new URL((url as URL).pathname, server.origin), init);
    for (const [configured, named] of matches) {
      server.respondWith(metadata(server.origin, { issuer: named }));
      const found = await discoverAuthorizationServer(new URL(configured), { ...http(), fetch: anyHost });
      assert.equal(found.issuer, named);
    }
  }));

test('a document that is not metadata is a permanent DiscoveryError that says what is wrong', () =>
  withFaultServer(async (server) => {
    const issuer = server.origin;
    const cases: [Behaviour, RegExp][] = [
      [status(200, '<html>login</html>', { 'content-type': 'text/html' }), /is not a JSON object/],
      [json(200, '{"issuer": '), /is not a JSON object/],
      [json(200, [issuer]), /is not a JSON object/],
      [json(200, { token_endpoint: `${issuer}/token` }), /has no issuer/],
      [json(200, { issuer }), /has no token_endpoint/],
      [json(200, { issuer, token_endpoint: null }), /has no token_endpoint/],
      [metadata(issuer, { token_endpoint: '/token' }), /token_endpoint that is not an absolute URL/],
      [metadata(issuer, { token_endpoint: 42 }), /token_endpoint that is not an absolute URL/],
      [metadata(issuer, { revocation_endpoint: 'revoke' }), /revocation_endpoint that is not an absolute URL/],
      [metadata(issuer, { mtls_endpoint_aliases: { token_endpoint: '/mtls/token' } }), /mtls_endpoint_aliases\.token_endpoint that is not an absolute URL/],
      [metadata(issuer, { mtls_endpoint_aliases: ['x'] }), /mtls_endpoint_aliases that is not a JSON object/],
      [metadata(issuer, { token_endpoint_auth_methods_supported: 'private_key_jwt' }), /token_endpoint_auth_methods_supported that is not an array of strings/],
      [metadata(issuer, { dpop_signing_alg_values_supported: ['ES256', 1] }), /dpop_signing_alg_values_supported that is not an array of strings/],
      [status(204), /is not a JSON object/],
    ];
    for (const [answer, message] of cases) {
      server.respondWith(answer);
      const error = await discoveryFails(issuer);
      assert.ok(error instanceof DiscoveryError, String(error));
      assert.match(error.message, message);
      assert.ok(isPermanent(error), error.message);
    }
    assert.equal(server.requests.length, cases.length);
  }));

test('what an error keeps of the document passes through the redaction and the caller\'s scrub', () =>
  withFaultServer(async (server) => {
    const secret = 'CANARY-DISCOVERY-SECRET';
    const scrubbing = { ...http(), scrub: (text: string) => text.split(secret).join('[scrubbed]') };
    server.respondWith(json(200, { issuer: `https://${secret}.example`, client_secret: 'sent-by-mistake', note: secret }));
    const error = await discoverAuthorizationServer(new URL(server.origin), scrubbing).catch((caught: unknown) => caught);
    assert.ok(error instanceof DiscoveryError, String(error));
    assert.match(error.message, /\[scrubbed\]\.example/);
    assert.deepEqual(JSON.parse(error.body), { issuer: 'https://[scrubbed].example', client_secret: '[redacted]', note: '[scrubbed]' });
  }));

test('the optional fields: endpoints as URLs, lists kept, null and empty lists read as absent, all frozen', () =>
  withFaultServer(async (server) => {
    const issuer = server.origin;
    server.respondWith(
      metadata(issuer, {
        revocation_endpoint: `${issuer}/revoke`,
        mtls_endpoint_aliases: { token_endpoint: 'https://mtls.example/token', revocation_endpoint: 'https://mtls.example/revoke', other: 1 },
        token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
        token_endpoint_auth_signing_alg_values_supported: ['ES256', 'RS256'],
        dpop_signing_alg_values_supported: ['ES256'],
        unknown_field: { anything: true },
      }),
    );
    const found = await discoverAuthorizationServer(new URL(issuer), http());
    assert.deepEqual(
      { ...found, tokenEndpoint: found.tokenEndpoint.href, revocationEndpoint: found.revocationEndpoint?.href },
      {
        issuer,
        tokenEndpoint: `${issuer}/token`,
        revocationEndpoint: `${issuer}/revoke`,
        mtlsEndpointAliases: { tokenEndpoint: new URL('https://mtls.example/token'), revocationEndpoint: new URL('https://mtls.example/revoke') },
        tokenEndpointAuthMethodsSupported: ['private_key_jwt', 'client_secret_basic'],
        tokenEndpointAuthSigningAlgValuesSupported: ['ES256', 'RS256'],
        dpopSigningAlgValuesSupported: ['ES256'],
      },
    );
    assert.ok(Object.isFrozen(found) && Object.isFrozen(found.mtlsEndpointAliases) && Object.isFrozen(found.tokenEndpointAuthMethodsSupported));

    server.respondWith(metadata(issuer, { revocation_endpoint: null, mtls_endpoint_aliases: null, token_endpoint_auth_methods_supported: [] }));
    const sparse = await discoverAuthorizationServer(new URL(issuer), http());
    assert.deepEqual(Object.keys(sparse).sort(), ['issuer', 'mtlsEndpointAliases', 'tokenEndpoint']);
    assert.deepEqual(sparse.mtlsEndpointAliases, {});
  }));

test('a redirect is refused, at either URL: nothing reaches the other server', async () => {
  const elsewhere = await startRecorder();
  try {
    await withFaultServer(async (server) => {
      for (const answers of [[redirect(`${elsewhere.url}${RFC8414}`)], [status(404), redirect(`${elsewhere.url}${OPENID}`, 308)]]) {
        server.respondWith(...answers);
        const error = await discoveryFails(server.origin);
        assert.ok(error instanceof DiscoveryError, String(error));
        assert.ok(error.statusCode === 302 || error.statusCode === 308);
        assert.match(error.message, /redirect \(HTTP 30[28]\), which is not followed/);
        assert.ok(isPermanent(error));
      }
      assert.equal(server.requests.length, 3);
      assert.equal(elsewhere.requests.length, 0);
    });
  } finally {
    await elsewhere.close();
  }
});

test('a body over 1 MiB is a DiscoveryError, with or without a Content-Length', () =>
  withFaultServer(async (server) => {
    for (const declareLength of [true, false]) {
      server.respondWith(largeBody(2 * MIB, { declareLength }));
      const error = await discoveryFails(server.origin);
      assert.ok(error instanceof DiscoveryError, String(error));
      assert.match(error.message, /larger than 1048576 bytes/);
    }
  }));

test('no answer in time is a TimeoutError; a reset connection a NetworkError; both transient', () =>
  withFaultServer(async (server) => {
    server.respondWith(hang({ afterHeaders: true }));
    const timedOut = await discoveryFails(server.origin, 200);
    assert.ok(timedOut instanceof TimeoutError, String(timedOut));
    assert.match(timedOut.message, /did not answer within 200 ms/);

    server.respondWith(reset());
    const refused = await discoveryFails(server.origin);
    assert.ok(refused instanceof NetworkError && !(refused instanceof TimeoutError), String(refused));
    assert.ok(isTransient(timedOut) && isTransient(refused));
  }));

test('an issuer with credentials, a query, a fragment or another scheme is a ConfigurationError, and nothing is sent', () =>
  withFaultServer(async (server) => {
    const withPassword = new URL(server.origin);
    withPassword.username = 'user';
    withPassword.password = 'CANARY-URL-PASSWORD';
    for (const issuer of [`${server.origin}/?tenant=a`, `${server.origin}/#a`, 'ftp://a.example/', withPassword.href]) {
      const error = await discoverAuthorizationServer(new URL(issuer), http()).catch((caught: unknown) => caught);
      assert.ok(error instanceof ConfigurationError, String(error));
      assert.match(error.message, /RFC 8414 §2/);
      assert.ok(!error.message.includes('CANARY-URL-PASSWORD'), error.message);
    }
    assert.equal(server.requests.length, 0);
  }));

test('oidc-provider: found at the RFC 8414 URL, and at the OpenID one when the first is missing; its token endpoint issues tokens', async () => {
  const server = await startAuthorizationServer();
  try {
    const asked: string[] = [];
    const recording: typeof fetch = (url, init) => (asked.push(String(url)), fetch(url, init));
    const found = await discoverAuthorizationServer(new URL(server.issuer), { ...http(), fetch: recording });
    assert.deepEqual(asked, [`${server.issuer}${RFC8414}`]);
    assert.equal(found.issuer, server.issuer);
    assert.equal(found.tokenEndpoint.href, server.tokenUrl);
    assert.ok(found.tokenEndpointAuthMethodsSupported?.includes('client_secret_basic'));

    // oidc-provider serves both documents; a server that serves only OpenID Connect's is imitated here.
    asked.length = 0;
    const openIdOnly: typeof fetch = async (url, init) =>
      (asked.push(String(url)), String(url).includes(RFC8414) ? new Response('Not Found', { status: 404 }) : fetch(url, init));
    const fallenBack = await discoverAuthorizationServer(new URL(server.issuer), { ...http(), fetch: openIdOnly });
    assert.deepEqual(asked, [`${server.issuer}${RFC8414}`, `${server.issuer}${OPENID}`]);
    assert.deepEqual(fallenBack, found);

    const { id, secret } = server.clients.basic;
    const { response } = await requestToken(
      { url: found.tokenEndpoint, authentication: clientSecretBasic(id, secret), ...http() },
      new URLSearchParams({ scope: 'read' }),
    );
    assert.equal(response.accessToken, server.tokenRequests.at(-1)?.accessToken);
  } finally {
    await server.close();
  }
});
