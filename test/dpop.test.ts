// DPoP (RFC 9449) on the wire: proofs that verify with the key they carry, htu without query and fragment,
// ath bound to the token, nonces kept per server and used once, and the Client's requests end to end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import fc from 'fast-check';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { Client, ConfigurationError, OAuthProviderError, type OAuthEvent } from 'oauth-ccg';
import { dpopKey } from '../src/keys/dpop-key.ts';
import { DpopSession } from '../src/protocol/dpop.ts';
import { json, startFaultServer } from './support/fault-server.ts';
import { startRecorder } from './support/recorder.ts';

const base64Url = (bytes: Buffer) => bytes.toString('base64url');
const athOf = (token: string) => base64Url(createHash('sha256').update(token).digest());

/** Verifies a proof as a server would (with the key in its own header) and returns its header and claims. */
async function verifiedProof(proof: string) {
  const header = decodeProtectedHeader(proof);
  assert.equal(header.typ, 'dpop+jwt');
  assert.deepEqual(Object.keys(header.jwk!).sort(), ['crv', 'kty', 'x', 'y'], 'the public members only');
  const { payload } = await jwtVerify(proof, await importJWK(header.jwk!, header.alg), { typ: 'dpop+jwt' });
  return { header, payload };
}

describe('proofs', () => {
  test('every proof verifies with its own key; htu has no query or fragment; ath is the token\'s hash', async () => {
    const session = new DpopSession(dpopKey(true), false);
    const jtis = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.webPath(), fc.webQueryParameters(), fc.webFragments(), fc.constantFrom('get', 'POST', 'Delete'), async (path, query, fragment, method) => {
        const url = new URL(`https://api.example.com${path}?${query}#${fragment}`);
        const { header, payload } = await verifiedProof(await session.proof(method, url, 'the-access-token'));
        assert.equal(header.alg, 'ES256');
        assert.equal(payload.htm, method.toUpperCase());
        assert.equal(payload.htu, url.origin + url.pathname);
        assert.equal(payload.ath, athOf('the-access-token'));
        assert.ok(Math.abs(Number(payload.iat) - Date.now() / 1000) < 5);
        jtis.add(String(payload.jti));
      }),
      { numRuns: 50 },
    );
    assert.equal(jtis.size, 50, 'a new jti for every proof');
    const { header } = await verifiedProof(await session.proof('GET', new URL('https://api.example.com/')));
    assert.equal(await session.key.thumbprint(), await calculateJwkThumbprint(header.jwk!));
  });

  test('nonces are kept per origin from any response; one that is not 1*NQCHAR is ignored', async () => {
    const session = new DpopSession(dpopKey(true), false);
    const api = new URL('https://api.example.com/things');
    session.remember(api, new Headers({ 'dpop-nonce': 'nonce-1' }));
    for (const bad of ['has space', 'quote"d', 'back\\slash', '']) {
      session.remember(api, new Headers({ 'dpop-nonce': bad }));
      assert.equal(session.nonceFor(api), 'nonce-1', `${JSON.stringify(bad)} is ignored`);
    }
    assert.equal(session.nonceFor(new URL('https://api.example.com/other')), 'nonce-1');
    assert.equal(session.nonceFor(new URL('https://auth.example.com/token')), undefined);
    const { payload } = await verifiedProof(await session.proof('GET', api));
    assert.equal(payload.nonce, 'nonce-1');
    assert.equal(payload.ath, undefined, 'no ath without a token');
  });

  test('a key pair of your own: its algorithm inferred, a public key where the private one belongs refused', async () => {
    const rsa = await webcrypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, false, ['sign', 'verify']);
    const proof = await new DpopSession(dpopKey({ keyPair: rsa }), false).proof('GET', new URL('https://api.example.com/'));
    assert.equal(decodeProtectedHeader(proof).alg, 'RS256');
    assert.throws(() => dpopKey({ keyPair: { privateKey: rsa.publicKey, publicKey: rsa.publicKey } }), (error: unknown) => error instanceof ConfigurationError && /public key; a private key signs/.test(error.message));
    assert.throws(() => dpopKey({ keyPair: rsa, algorithm: 'ES256' }), ConfigurationError);
    assert.throws(() => dpopKey({ keyPair: 'not a key pair' } as never), (error: unknown) => error instanceof ConfigurationError && /CryptoKeyPair/.test(error.message));
  });
});

describe('the Client with DPoP', () => {
  test('token request and API requests carry proofs; the token endpoint\'s nonce demand is met once, at once', async () => {
    const tokens = await startFaultServer();
    const api = await startRecorder();
    try {
      const dpopToken = () => json(200, { access_token: 'dpop-bound', token_type: 'DPoP', expires_in: 600 });
      tokens.respondWith(json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'server-nonce' }), dpopToken());
      const events: OAuthEvent[] = [];
      const client = new Client({
        baseUrl: api.url,
        tokenUrl: tokens.url,
        dpop: true,
        tokenRequestAttempts: 1,
        onEvent: (event) => events.push(event),
        clientCredentialsAuthCredentials: { oAuthClientId: 'dpop-client', oAuthClientSecret: 's' },
      });
      assert.equal((await client.fetch('/things?page=2', { method: 'POST', body: 'x' })).status, 200);
      assert.equal(tokens.requests.length, 2, 'the nonce retry is not one of tokenRequestAttempts (1)');
      const [first, second] = await Promise.all(tokens.requests.map((request) => verifiedProof(String(request.headers.dpop))));
      assert.deepEqual([first!.payload.htm, first!.payload.htu, first!.payload.nonce], ['POST', tokens.url, undefined]);
      assert.equal(second!.payload.nonce, 'server-nonce');
      assert.notEqual(first!.payload.jti, second!.payload.jti);

      assert.equal(api.requests[0]?.authorization, 'DPoP dpop-bound');
      assert.equal(client.clientCredentialsAuthManager.token?.tokenType, 'DPoP');
      const headers = await client.clientCredentialsAuthManager.authorizationHeaders('GET', `${api.url}/other`);
      assert.equal(headers.authorization, 'DPoP dpop-bound');
      const { payload } = await verifiedProof(headers.dpop!);
      assert.deepEqual([payload.htm, payload.htu, payload.ath], ['GET', `${api.url}/other`, athOf('dpop-bound')]);
      // A caller with its own HTTP stack hands back the API's nonce; the next proof carries it.
      client.clientCredentialsAuthManager.rememberDpopNonce(`${api.url}/other`, new Headers({ 'dpop-nonce': 'api-nonce' }));
      const next = await verifiedProof((await client.clientCredentialsAuthManager.authorizationHeaders('GET', `${api.url}/other`)).dpop!);
      assert.equal(next.payload.nonce, 'api-nonce');
    } finally {
      await Promise.all([tokens.close(), api.close()]);
    }
  });

  test('a Bearer answer to a DPoP request is a downgrade, refused unless allowed', async () => {
    const tokens = await startFaultServer();
    try {
      const keyPair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      const manager = (allowBearerDowngrade: boolean) =>
        new Client({ tokenUrl: tokens.url, dpop: { keyPair, allowBearerDowngrade }, clientCredentialsAuthCredentials: { oAuthClientId: 'c', oAuthClientSecret: 's' } })
          .clientCredentialsAuthManager;
      await assert.rejects(manager(false).getToken(), /a downgrade the client refuses/);
      assert.equal((await manager(true).getToken()).tokenType, 'Bearer');
    } finally {
      await tokens.close();
    }
  });
});

describe('what the client does with each DPoP answer', () => {
  const dpopToken = (n: number) => json(200, { access_token: `bound-${n}`, token_type: 'DPoP', expires_in: 600 });
  const refusal = (error: string, nonce?: string) => ({ 'www-authenticate': `DPoP error="${error}"`, ...(nonce && { 'dpop-nonce': nonce }) });

  test('a second use_dpop_nonce at the token endpoint gets no second retry: the callers see the OAuthProviderError', async () => {
    const tokens = await startFaultServer();
    try {
      const demand = (nonce: string) => json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': nonce });
      tokens.respondWith(demand('n1'), demand('n2'));
      const manager = new Client({ tokenUrl: tokens.url, dpop: true, clientCredentialsAuthCredentials: { oAuthClientId: 'c', oAuthClientSecret: 's' } }).clientCredentialsAuthManager;
      await assert.rejects(manager.getToken(), (error: unknown) => error instanceof OAuthProviderError && error.error === 'use_dpop_nonce');
      assert.equal(tokens.requests.length, 2);
    } finally {
      await tokens.close();
    }
  });

  test('at the API: one nonce replay per call, invalid_dpop_proof returned and reported, invalid_token gets a new token', async () => {
    const tokens = await startFaultServer();
    let answers: { status: number; headers: Record<string, string> }[] = [];
    const api = await startRecorder((_req, res) => {
      const answer = answers.shift() ?? { status: 200, headers: {} };
      res.writeHead(answer.status, answer.headers).end();
    });
    try {
      tokens.respondWith(dpopToken(1), dpopToken(2));
      const events: OAuthEvent[] = [];
      const client = new Client({ baseUrl: api.url, tokenUrl: tokens.url, dpop: true, onEvent: (event) => events.push(event), clientCredentialsAuthCredentials: { oAuthClientId: 'c', oAuthClientSecret: 's' } });

      answers = [{ status: 401, headers: refusal('use_dpop_nonce', 'a1') }, { status: 401, headers: refusal('use_dpop_nonce', 'a2') }];
      assert.equal((await client.fetch('/things')).status, 401, 'the second demand is returned: no further replay');
      assert.equal(api.requests.length, 2);

      api.requests.length = 0;
      answers = [{ status: 401, headers: refusal('invalid_dpop_proof') }];
      assert.equal((await client.fetch('/things')).status, 401);
      assert.equal(api.requests.length, 1, 'a new token would not help: no replay');
      assert.ok(events.some((event) => event.type === 'dpop-proof-rejected'));

      api.requests.length = 0;
      answers = [{ status: 401, headers: refusal('invalid_token') }];
      assert.equal((await client.fetch('/things')).status, 200);
      assert.equal(tokens.requests.length, 2, 'a new token after invalid_token');
      assert.equal(api.requests.length, 2);
    } finally {
      await Promise.all([tokens.close(), api.close()]);
    }
  });
});
