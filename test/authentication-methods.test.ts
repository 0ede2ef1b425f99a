// Every client-authentication method, discovery, resource indicators and revocation through the Client,
// against the real authorization server (oidc-provider): what it accepts is the proof.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, DiscoveryError, type ClientConfiguration, type ClientCredentialsAuthCredentials } from 'oauth-ccg';
import { mtlsFetch } from 'oauth-ccg/node';
import { startAuthorizationServer, WRONG_ISSUER, type AuthorizationServer, type CertificateClient } from './support/authorization-server.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer();
});
after(() => server.close());
beforeEach(() => {
  server.reset();
  server.setDiscovery({ oauthAuthorizationServerPath: true, wrongIssuer: false });
});

function clientWith(credentials: ClientCredentialsAuthCredentials, options: Partial<ClientConfiguration> = {}): Client {
  return new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, ...options, clientCredentialsAuthCredentials: credentials });
}

const certificateFetch = (client: CertificateClient) => mtlsFetch({ cert: client.certificate.cert, key: client.certificate.key, ca: server.certificates.ca });

describe('JWT client assertions (RFC 7523)', () => {
  test('client_secret_jwt: an HS256 assertion made with the secret', async () => {
    const { id, secret } = server.clients.clientSecretJwt;
    const client = clientWith({ oAuthClientId: id, oAuthClientSecret: secret }, { tokenEndpointAuthMethod: 'client_secret_jwt' });
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests[0]?.authMethod, 'client_secret_jwt');
    assert.equal(server.tokenRequests[0]?.clientAssertion?.header.alg, 'HS256');
  });

  test('private_key_jwt: ES256 as PEM, JWK and CryptoKey, and RS256, each accepted', async () => {
    const { privateKeyJwtEs256: es256, privateKeyJwtRs256: rs256 } = server.clients;
    const cryptoKey = await webcrypto.subtle.importKey('jwk', es256.key.jwk as webcrypto.JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    const cases: [string, ClientCredentialsAuthCredentials, string][] = [
      ['ES256 PEM', { oAuthClientId: es256.id, oAuthPrivateKey: es256.key.pem, oAuthPrivateKeyId: es256.key.kid }, 'ES256'],
      ['ES256 JWK', { oAuthClientId: es256.id, oAuthPrivateKey: es256.key.jwk as never }, 'ES256'],
      ['ES256 CryptoKey', { oAuthClientId: es256.id, oAuthPrivateKey: cryptoKey, oAuthPrivateKeyId: es256.key.kid }, 'ES256'],
      ['RS256 PEM', { oAuthClientId: rs256.id, oAuthPrivateKey: rs256.key.pem, oAuthPrivateKeyId: rs256.key.kid }, 'RS256'],
    ];
    for (const [name, credentials, alg] of cases) {
      assert.equal((await clientWith(credentials).fetch('/whoami')).status, 200, name);
      const recorded = server.tokenRequests.at(-1)!;
      assert.equal(recorded.authMethod, 'private_key_jwt', name);
      assert.equal(recorded.clientAssertion?.header.alg, alg, name);
    }
  });

  test('a retry after a 503 carries a new jti, which the server (refusing replays) accepts', async () => {
    const { id, key } = server.clients.privateKeyJwtEs256;
    server.failNextTokenRequests(1);
    const client = clientWith({ oAuthClientId: id, oAuthPrivateKey: key.pem, oAuthPrivateKeyId: key.kid });
    assert.equal((await client.fetch('/whoami')).status, 200);
    const [failed, retried] = server.tokenRequests;
    assert.deepEqual([failed?.status, retried?.status], [503, 200]);
    assert.notEqual(failed?.clientAssertion?.claims.jti, retried?.clientAssertion?.claims.jti);
  });

  test('a ready-made assertion is asked for each request', async () => {
    let asked = 0;
    const client = clientWith({ oAuthClientId: server.clients.assertion.id, oAuthClientAssertion: () => (asked++, server.signClientAssertion()) });
    assert.equal((await client.fetch('/whoami')).status, 200);
    await client.clientCredentialsAuthManager.fetchToken();
    assert.equal(asked, 2);
    assert.ok(server.tokenRequests.every((request) => request.status === 200 && request.authMethod === 'private_key_jwt'));
  });
});

describe('mutual TLS (RFC 8705)', () => {
  for (const [method, registered] of [
    ['tls_client_auth', () => server.clients.tlsClientAuth],
    ['self_signed_tls_client_auth', () => server.clients.selfSignedTlsClientAuth],
  ] as const) {
    test(`${method}: the certificate authenticates, and the certificate-bound token works at the API only with it`, async () => {
      const client = registered();
      const authorized = clientWith({ oAuthClientId: client.id }, { baseUrl: server.mtls.apiUrl, tokenUrl: server.mtls.tokenUrl, tokenEndpointAuthMethod: method, fetch: certificateFetch(client) });
      assert.equal((await authorized.fetch('/whoami')).status, 200);
      assert.equal(server.tokenRequests[0]?.authMethod, method);
      const token = authorized.clientCredentialsAuthManager.token!;
      assert.equal((await server.describeToken(token.accessToken))?.certificateThumbprint, client.certificate.thumbprint);

      // The same token presented with another certificate is refused: it is bound.
      const other = method === 'tls_client_auth' ? server.clients.selfSignedTlsClientAuth : server.clients.tlsClientAuth;
      const stolen = await certificateFetch(other)(`${server.mtls.apiUrl}/whoami`, { headers: { authorization: `Bearer ${token.accessToken}` } });
      assert.equal(stolen.status, 401);
      assert.equal(server.apiRequests.at(-1)?.outcome, 'certificate_mismatch');
    });
  }

  test('with an issuer and mtlsFetch, tls_client_auth is chosen and the mTLS alias used', async () => {
    const client = server.clients.tlsClientAuth;
    const authorized = new Client({
      baseUrl: server.mtls.apiUrl,
      issuer: server.issuer,
      fetch: certificateFetch(client),
      clientCredentialsAuthCredentials: { oAuthClientId: client.id },
    });
    assert.equal((await authorized.fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests[0]?.authMethod, 'tls_client_auth');
    assert.equal(server.tokenRequests[0]?.mtls, true, 'the token request went to mtls_endpoint_aliases.token_endpoint');
  });
});

describe('discovery (RFC 8414)', () => {
  const discovering = () =>
    new Client({ baseUrl: server.apiUrl, issuer: server.issuer, clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret } });

  test('the issuer alone finds the token endpoint, by the RFC 8414 path or the OpenID one', async () => {
    assert.equal((await discovering().fetch('/whoami')).status, 200);
    server.setDiscovery({ oauthAuthorizationServerPath: false });
    assert.equal((await discovering().fetch('/whoami')).status, 200);
    assert.equal(server.tokenRequests.length, 2);
  });

  test('a document naming another issuer is a DiscoveryError; nothing is kept, and a later call discovers again', async () => {
    server.setDiscovery({ wrongIssuer: true });
    const client = discovering();
    await assert.rejects(client.fetch('/whoami'), (error: unknown) => error instanceof DiscoveryError && error.message.includes(WRONG_ISSUER));
    assert.equal(server.tokenRequests.length, 0);
    server.setDiscovery({ wrongIssuer: false });
    await sleep(1_050); // the cool-down after a permanent failure
    assert.equal((await client.fetch('/whoami')).status, 200);
  });
});

describe('resource indicators (RFC 8707)', () => {
  test('two resources give two tokens, each for its audience', async () => {
    const { id, secret } = server.clients.basic;
    const audiences = [];
    for (const resource of [server.resources.apiOne, server.resources.apiTwo]) {
      const token = await clientWith({ oAuthClientId: id, oAuthClientSecret: secret, oAuthResource: resource }).clientCredentialsAuthManager.getToken();
      audiences.push((await server.describeToken(token.accessToken))?.aud);
    }
    assert.deepEqual(audiences, [server.resources.apiOne, server.resources.apiTwo]);
    assert.deepEqual(server.tokenRequests.map((request) => request.resources), [[server.resources.apiOne], [server.resources.apiTwo]]);
  });
});

describe('revocation (RFC 7009)', () => {
  test('the revoked token is refused by the API, and the client fetches a new one', async () => {
    const { id, key } = server.clients.privateKeyJwtEs256;
    const client = new Client({ baseUrl: server.apiUrl, issuer: server.issuer, clientCredentialsAuthCredentials: { oAuthClientId: id, oAuthPrivateKey: key.pem } });
    assert.equal((await client.fetch('/whoami')).status, 200);
    const revoked = client.clientCredentialsAuthManager.token!;
    await client.clientCredentialsAuthManager.revokeToken();
    assert.equal(server.revocationRequests[0]?.authMethod, 'private_key_jwt', 'the revocation authenticated like the token request');
    assert.equal(await server.describeToken(revoked.accessToken), undefined);
    assert.equal((await fetch(`${server.apiUrl}/whoami`, { headers: { authorization: `Bearer ${revoked.accessToken}` } })).status, 401);
    assert.equal((await client.fetch('/whoami')).status, 200);
    assert.notEqual(client.clientCredentialsAuthManager.token?.accessToken, revoked.accessToken);
    assert.equal(server.tokenRequests.length, 2);
  });
});
