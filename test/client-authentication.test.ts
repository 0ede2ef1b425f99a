// Every way the client proves who it is, checked on the wire: what each method sends (and does not),
// assertions verified with the public key, a fresh jti for every request and every retry, keys and
// methods checked by the constructor.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { inspect } from 'node:util';
import { decodeJwt, importSPKI, jwtVerify } from 'jose';
import {
  Client,
  ClientClosedError,
  ConfigurationError,
  type ClientConfiguration,
  type ClientCredentialsAuthCredentials,
  type ClientCredentialsAuthManager,
} from 'oauth-ccg';
import { delay, withFaultServer, status, type FaultServer, type RecordedRequest } from './support/fault-server.ts';

const CLIENT_ID = 'assertion-client';
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecPem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const ecJwk = ec.privateKey.export({ format: 'jwk' });
const ecPublic = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const rsaPem = rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const rsaPublic = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();


function managerFor(tokens: FaultServer, credentials: Partial<ClientCredentialsAuthCredentials>, options: Partial<ClientConfiguration> = {}) {
  return new Client({ tokenUrl: tokens.url, ...options, clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, ...credentials } })
    .clientCredentialsAuthManager;
}

const form = (request: RecordedRequest | undefined) => new URLSearchParams(request?.body);

/** Checks an assertion as a server would, and returns its claims. */
async function verifiedAssertion(request: RecordedRequest | undefined, key: Parameters<typeof jwtVerify>[1], audience: string) {
  const body = form(request);
  assert.equal(body.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  assert.equal(body.get('client_id'), CLIENT_ID);
  assert.equal(body.get('client_secret'), null);
  assert.equal(request?.headers.authorization, undefined, 'no Basic header beside an assertion');
  const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion')!, key, { audience, issuer: CLIENT_ID, subject: CLIENT_ID });
  assert.ok(payload.exp! - payload.iat! <= 60, 'a short-lived assertion');
  assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
  return { payload, protectedHeader };
}

describe('private_key_jwt (RFC 7523)', () => {
  test('an ES256 key as a PEM, a JWK or a CryptoKey signs a verifiable assertion', () =>
    withFaultServer(async (tokens) => {
      const cryptoKey = await webcrypto.subtle.importKey('jwk', ecJwk as webcrypto.JsonWebKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
      const publicKey = await importSPKI(ecPublic, 'ES256');
      for (const key of [ecPem, ecJwk, cryptoKey]) {
        await managerFor(tokens, { oAuthPrivateKey: key as never, oAuthPrivateKeyId: 'key-1' }).fetchToken();
        const { protectedHeader } = await verifiedAssertion(tokens.requests.at(-1), publicKey, tokens.url);
        assert.deepEqual(protectedHeader, { alg: 'ES256', kid: 'key-1', typ: 'JWT' });
      }
    }));

  test('an RSA key signs RS256 by default, PS256 when asked', () =>
    withFaultServer(async (tokens) => {
      for (const algorithm of ['RS256', 'PS256'] as const) {
        await managerFor(tokens, { oAuthPrivateKey: rsaPem, ...(algorithm === 'PS256' && { oAuthSigningAlgorithm: 'PS256' }) }).fetchToken();
        const { protectedHeader } = await verifiedAssertion(tokens.requests.at(-1), await importSPKI(rsaPublic, algorithm), tokens.url);
        assert.equal(protectedHeader.alg, algorithm);
      }
    }));

  test('every request and every retry carries a new jti; the audience is the issuer when one is configured', () =>
    withFaultServer(async (tokens) => {
      tokens.respondWith(status(503, '', { 'retry-after': '0' }));
      const manager = managerFor(tokens, { oAuthPrivateKey: ecPem });
      await manager.fetchToken();
      await manager.fetchToken();
      const ids = tokens.requests.map((request) => decodeJwt(form(request).get('client_assertion')!).jti);
      assert.equal(ids.length, 3, 'a 503, its retry, and a second request');
      assert.equal(new Set(ids).size, 3);

      const issuer = new URL(tokens.url).origin;
      await managerFor(tokens, { oAuthPrivateKey: ecPem }, { issuer }).fetchToken();
      assert.equal(decodeJwt(form(tokens.requests.at(-1)).get('client_assertion')!).aud, issuer);
    }));
});

describe('client_secret_jwt and ready-made assertions', () => {
  test('client_secret_jwt signs HS256 with the client secret', () =>
    withFaultServer(async (tokens) => {
      const secret = 'a-client-secret-of-at-least-32-bytes!';
      await managerFor(tokens, { oAuthClientSecret: secret }, { tokenEndpointAuthMethod: 'client_secret_jwt' }).fetchToken();
      const { protectedHeader } = await verifiedAssertion(tokens.requests[0], new TextEncoder().encode(secret), tokens.url);
      assert.equal(protectedHeader.alg, 'HS256');
      assert.ok(!tokens.requests[0]!.body.includes(secret), 'the secret itself is never sent');
    }));

  test('oAuthClientAssertion is asked for every request; its failure reaches the caller and is not kept', () =>
    withFaultServer(async (tokens) => {
      let calls = 0;
      const manager = managerFor(tokens, {
        oAuthClientAssertion: async () => {
          calls++;
          if (calls === 2) throw new Error('the projected token file is being rotated');
          return `eyJhbGciOiJub25lIn0.eyJpc3MiOiJrOHMifQ.assertion-${calls}`;
        },
      });
      await manager.fetchToken();
      assert.equal(form(tokens.requests[0]).get('client_assertion'), 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJrOHMifQ.assertion-1');
      // The second is retried like a network failure: the file is read again.
      await manager.fetchToken();
      assert.equal(calls, 3);
      assert.equal(form(tokens.requests[1]).get('client_assertion'), 'eyJhbGciOiJub25lIn0.eyJpc3MiOiJrOHMifQ.assertion-3');
    }));
});

describe('mTLS client authentication (RFC 8705)', () => {
  test('tls_client_auth sends the client id and nothing secret', () =>
    withFaultServer(async (tokens) => {
      await managerFor(tokens, {}, { tokenEndpointAuthMethod: 'tls_client_auth', fetch: (input, init) => fetch(input, init) }).fetchToken();
      assert.equal(tokens.requests[0]?.body, `grant_type=client_credentials&client_id=${CLIENT_ID}`);
      assert.equal(tokens.requests[0]?.headers.authorization, undefined);
    }));
});

describe('resource indicators (RFC 8707)', () => {
  test('each resource is its own parameter, and part of what makes the token', () =>
    withFaultServer(async (tokens) => {
      const manager = managerFor(tokens, { oAuthClientSecret: 's', oAuthResource: ['https://api-one.example', 'https://api-two.example/v1'] });
      await manager.fetchToken();
      assert.deepEqual(form(tokens.requests[0]).getAll('resource'), ['https://api-one.example', 'https://api-two.example/v1']);
    }));
});

describe('bad credentials are refused by the constructor, with the fix', () => {
  test('keys, algorithms, methods and resources that cannot work', () => {
    const cases: [Partial<ClientCredentialsAuthCredentials>, Partial<ClientConfiguration>, RegExp][] = [
      [{ oAuthPrivateKey: ecPublic }, {}, /is a public key; pass the private key/],
      [{ oAuthPrivateKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }).toString() }, {}, /old RSA PRIVATE KEY format.*openssl pkcs8 -topk8/],
      [{ oAuthPrivateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' }, {}, /not a well-formed PKCS#8 PEM/],
      [{ oAuthPrivateKey: { ...ecJwk, d: undefined } as never }, {}, /public JWK.*no "d"/],
      [{ oAuthPrivateKey: { kty: 'oct', k: 'c2VjcmV0' } as never }, {}, /symmetric key: for client_secret_jwt, pass the secret as oAuthClientSecret/],
      [{ oAuthPrivateKey: 42 as never }, {}, /CryptoKey, a private JWK object, or a PKCS#8 PEM/],
      [{ oAuthPrivateKey: rsaPem, oAuthSigningAlgorithm: 'ES256' }, {}, /"ES256" does not fit oAuthPrivateKey \(a RSA key\): use RS256 or/],
      [{ oAuthPrivateKey: ecPem, oAuthSigningAlgorithm: 'ES384' }, {}, /"ES384" does not fit .* use ES256/],
      [{ oAuthClientSecret: 's' }, { tokenEndpointAuthMethod: 'private_key_jwt' }, /private_key_jwt needs oAuthPrivateKey/],
      [{}, { tokenEndpointAuthMethod: 'tls_client_auth' }, /tls_client_auth needs a fetch that presents the client certificate: fetch: mtlsFetch/],
      [{ oAuthClientSecret: 's' }, { tokenEndpointAuthMethod: 'magic' as never }, /"magic" is not supported; use one of client_secret_basic/],
      [{ oAuthPrivateKey: ecPem }, { tokenEndpointAuthMethod: 'client_secret_basic' }, /oAuthPrivateKey is for private_key_jwt, not client_secret_basic/],
      [{ oAuthPrivateKey: ecPem, oAuthClientAssertion: () => 'x' }, {}, /not both/],
      [{ oAuthClientSecret: 's', oAuthSigningAlgorithm: 'HS999' }, {}, /HS256, HS384, HS512/],
      [{ oAuthClientSecret: 's', oAuthResource: 'api-one' }, {}, /"api-one" is not an absolute URI without a fragment/],
      [{ oAuthClientSecret: 's', oAuthResource: ['https://api.example/#x'] }, {}, /not an absolute URI without a fragment/],
    ];
    for (const [credentials, options, message] of cases) {
      assert.throws(
        () =>
          new Client({
            tokenUrl: 'https://auth.example.com/token',
            ...options,
            clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, ...credentials },
          }),
        (error: unknown) => error instanceof ConfigurationError && message.test(error.message) && !error.message.includes('PRIVATE KEY-----\nMI'),
        `${JSON.stringify(credentials).slice(0, 80)} ${JSON.stringify(options)} should fail with ${message}`,
      );
    }
  });

  test('a key is never shown: not in the configuration\'s JSON or inspect form', () => {
    const client = new Client({ tokenUrl: 'https://auth.example.com/token', clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthPrivateKey: ecPem } });
    const body = ecPem.split('\n')[1]!;
    for (const view of [JSON.stringify(client), inspect(client.configuration, { depth: Infinity }), inspect(client, { depth: Infinity, showHidden: true })]) {
      assert.ok(!view.includes(body), view);
    }
  });
});

describe('revocation and shutdown', () => {
  test('revokeToken posts the held token with the client\'s authentication, then stops using it', () =>
    withFaultServer(async (tokens) => {
      const revocationUrl = `${new URL(tokens.url).origin}/revoke`;
      const manager = managerFor(tokens, { oAuthClientSecret: 'revoking-secret' }, { revocationUrl });
      const first = await manager.getToken();
      await manager.revokeToken();
      const revocation = tokens.requests[1]!;
      assert.equal(revocation.url, '/revoke');
      assert.equal(revocation.body, `token=${first.accessToken}&token_type_hint=access_token`);
      assert.equal(revocation.headers.authorization, `Basic ${btoa(`${CLIENT_ID}:revoking-secret`)}`);
      assert.notEqual((await manager.getToken()).accessToken, first.accessToken, 'a new token after revocation');
      assert.equal(tokens.requests.length, 3);
    }));

  test('without a revocation endpoint, revokeToken says how to configure one', () =>
    withFaultServer(async (tokens) => {
      const manager = managerFor(tokens, { oAuthClientSecret: 's' });
      await manager.getToken();
      await assert.rejects(manager.revokeToken(), (error: unknown) => error instanceof ConfigurationError && /set revocationUrl, or issuer/.test(error.message));
    }));

  test('close() waits for the renewal under way and refuses every later call; await using closes too', () =>
    withFaultServer(async (tokens) => {
      tokens.respondWith(delay(200));
      const client = new Client({ baseUrl: 'https://api.example.com', tokenUrl: tokens.url, clientCredentialsAuthCredentials: { oAuthClientId: CLIENT_ID, oAuthClientSecret: 's' } });
      const manager = client.clientCredentialsAuthManager;
      const pending = manager.getToken();
      await client.close();
      assert.equal(tokens.requests.length, 1);
      assert.equal((await pending).accessToken, 'tok-1', 'the renewal under way completed');
      for (const call of [() => manager.getToken(), () => manager.fetchToken(), () => client.fetch('/things'), () => manager.revokeToken()]) {
        await assert.rejects(call(), (error: unknown) => error instanceof ClientClosedError && /closed with close\(\)/.test(error.message));
      }
      assert.equal(tokens.requests.length, 1, 'no token request after close');

      let disposed: ClientCredentialsAuthManager | undefined;
      {
        await using scoped = managerFor(tokens, { oAuthClientSecret: 's' });
        disposed = scoped;
      }
      await assert.rejects(disposed.getToken(), ClientClosedError);
    }));
});

describe('interoperability', () => {
  test('encodeBasicCredentials: false sends the id and secret as they are, for servers that do not decode them', () =>
    withFaultServer(async (tokens) => {
      await managerFor(tokens, { oAuthClientSecret: 'p@ss:word+1' }, { encodeBasicCredentials: false }).fetchToken();
      await managerFor(tokens, { oAuthClientSecret: 'p@ss:word+1' }).fetchToken();
      assert.deepEqual(
        tokens.requests.map((request) => request.headers.authorization),
        [`Basic ${btoa(`${CLIENT_ID}:p@ss:word+1`)}`, `Basic ${btoa(`${CLIENT_ID}:p%40ss%3Aword%2B1`)}`],
      );
    }));
});
