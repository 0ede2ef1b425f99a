// Proof that the test authorization server's DPoP support (RFC 9449) works — tokens bound to the proof's key,
// nonces at the token endpoint and at the API, and the API's checks of every proof — exercised directly with
// undici and jose (not through the library), so that the library's own DPoP tests can trust it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair } from 'jose';
import { Agent, fetch } from 'undici';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { accessTokenHash, PROOF_IAT_TOLERANCE_SECONDS } from './support/dpop-proof-verification.ts';
import { createDpopKey, signDpopProof, type DpopKey, type ProofClaims } from './support/dpop-signing.ts';

let server: AuthorizationServer;
let key: DpopKey;
before(async () => {
  server = await startAuthorizationServer();
  key = await createDpopKey('ES256');
});
after(() => server.close());

interface Answer { status: number; body: Record<string, unknown>; headers: Headers }

async function answerOf(response: Awaited<ReturnType<typeof fetch>>): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown>, headers: response.headers as unknown as Headers };
}

/** A client_credentials request from the basic client, with a DPoP proof when given. */
async function requestToken(proof?: string): Promise<Answer> {
  const { id, secret } = server.clients.basic;
  const headers: Record<string, string> = { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
  if (proof !== undefined) headers.dpop = proof;
  return answerOf(await fetch(server.tokenUrl, { method: 'POST', headers, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read write' }) }));
}

/** A DPoP token bound to `boundTo`, the nonce dance done if the token endpoint demands one. */
async function dpopToken(boundTo: DpopKey = key): Promise<string> {
  const proof = (nonce?: string) => signDpopProof(boundTo, { htm: 'POST', htu: server.tokenUrl, nonce });
  let answer = await requestToken(await proof());
  if (answer.body.error === 'use_dpop_nonce') answer = await requestToken(await proof(answer.headers.get('dpop-nonce')!));
  assert.deepEqual([answer.status, answer.body.token_type], [200, 'DPoP'], JSON.stringify(answer.body));
  return answer.body.access_token as string;
}

const whoamiUrl = () => `${server.apiUrl}/whoami`;

/** GET the API's whoami with `Authorization: <scheme> <token>` and the proof, if any. */
async function callApi(scheme: 'Bearer' | 'DPoP', token: string, proof?: string, url = whoamiUrl(), dispatcher?: Agent): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `${scheme} ${token}` };
  if (proof !== undefined) headers.dpop = proof;
  return answerOf(await fetch(url, { headers, dispatcher }));
}

/** A correct proof for GET whoami with `token`, changed by `overrides`. */
const apiProof = (token: string, overrides: Partial<ProofClaims> = {}, signer: DpopKey = key) =>
  signDpopProof(signer, { htm: 'GET', htu: whoamiUrl(), accessToken: token, ...overrides });

test('a token request with a proof gets a DPoP token bound to the key (cnf.jkt), accepted at the API with a proof; both recorded decoded', async () => {
  server.reset();
  const proof = await signDpopProof(key, { htm: 'POST', htu: server.tokenUrl });
  const issued = await requestToken(proof);
  assert.deepEqual([issued.status, issued.body.token_type], [200, 'DPoP'], JSON.stringify(issued.body));
  const token = issued.body.access_token as string;
  assert.equal((await server.describeToken(token))?.dpopThumbprint, key.jkt);
  const [tokenRecord] = server.tokenRequests;
  assert.equal(tokenRecord?.tokenType, 'DPoP');
  assert.deepEqual(Object.keys(tokenRecord?.dpop ?? {}).sort(), ['htm', 'htu', 'iat', 'jkt', 'jti']);
  assert.deepEqual([tokenRecord?.dpop?.jkt, tokenRecord?.dpop?.htm, tokenRecord?.dpop?.htu], [key.jkt, 'POST', server.tokenUrl]);

  // The query is not part of htu (RFC 9449 §4.3), so a proof for the bare URL covers it.
  const answer = await callApi('DPoP', token, await apiProof(token), `${whoamiUrl()}?page=2`);
  assert.deepEqual([answer.status, answer.body], [200, { clientId: server.clients.basic.id, scope: 'read write' }]);
  assert.equal(answer.headers.get('dpop-nonce'), null, 'no nonce while the API does not require one');
  const [apiRecord] = server.apiRequests;
  assert.equal(apiRecord?.outcome, 'ok');
  assert.deepEqual([apiRecord?.dpop?.jkt, apiRecord?.dpop?.htm, apiRecord?.dpop?.htu, apiRecord?.dpop?.ath], [key.jkt, 'GET', whoamiUrl(), true]);

  const records = JSON.stringify([server.tokenRequests, server.apiRequests]);
  assert.ok(!records.includes(proof.split('.')[2]!), 'a proof signature is not recorded');
});

test('proofs signed with ES384, RS256, PS256 and EdDSA are accepted at both ends', async () => {
  for (const alg of ['ES384', 'RS256', 'PS256', 'EdDSA']) {
    const other = await createDpopKey(alg);
    const token = await dpopToken(other);
    assert.equal((await callApi('DPoP', token, await apiProof(token, {}, other))).status, 200, alg);
  }
});

test('without a proof the token is Bearer and the API takes it as before; each kind of token is refused under the other scheme', async () => {
  server.reset();
  const issued = await requestToken();
  assert.deepEqual([issued.status, issued.body.token_type], [200, 'Bearer']);
  const bearer = issued.body.access_token as string;
  assert.equal((await server.describeToken(bearer))?.dpopThumbprint, undefined);
  assert.equal((await callApi('Bearer', bearer)).status, 200);

  const asDpop = await callApi('DPoP', bearer, await apiProof(bearer));
  assert.equal(asDpop.status, 401);
  assert.match(asDpop.headers.get('www-authenticate') ?? '', /^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="[^"]*ES256[^"]*"$/);

  const dpop = await dpopToken();
  const asBearer = await callApi('Bearer', dpop);
  assert.equal(asBearer.status, 401);
  assert.match(asBearer.headers.get('www-authenticate') ?? '', /^Bearer realm="api", error="invalid_token"/);
  assert.deepEqual(server.tokenRequests.map((record) => [record.tokenType, record.dpop === undefined]), [['Bearer', true], ['DPoP', false]]);
  assert.deepEqual(server.apiRequests.map((record) => record.outcome), ['ok', 'scheme_mismatch', 'scheme_mismatch']);
});

test('token endpoint nonces: while required, a proof without one gets 400 use_dpop_nonce and a DPoP-Nonce; with it, a DPoP token', async (t) => {
  t.after(() => server.setDpopNonceRequired(false));
  server.setDpopNonceRequired(true);
  server.reset();
  const refused = await requestToken(await signDpopProof(key, { htm: 'POST', htu: server.tokenUrl }));
  assert.deepEqual([refused.status, refused.body.error], [400, 'use_dpop_nonce']);
  const nonce = refused.headers.get('dpop-nonce');
  assert.match(nonce ?? '', /^[\w-]+$/);
  const accepted = await requestToken(await signDpopProof(key, { htm: 'POST', htu: server.tokenUrl, nonce: nonce! }));
  assert.deepEqual([accepted.status, accepted.body.token_type], [200, 'DPoP'], JSON.stringify(accepted.body));
  const wrong = await requestToken(await signDpopProof(key, { htm: 'POST', htu: server.tokenUrl, nonce: 'not-a-nonce-of-this-server' }));
  assert.deepEqual([wrong.status, wrong.body.error], [400, 'use_dpop_nonce']);
  // The provider's nonce moves on at each full minute, so the later answers' nonces are not compared with the first.
  assert.match(wrong.headers.get('dpop-nonce') ?? '', /^[\w-]+$/);
  assert.deepEqual(server.tokenRequests.map((record) => [record.status, record.dpop?.nonce, record.tokenType]), [
    [400, undefined, undefined],
    [200, nonce, 'DPoP'],
    [400, 'not-a-nonce-of-this-server', undefined],
  ]);
  assert.equal(server.tokenRequests[0]?.dpopNonceAnswered, nonce);

  server.setDpopNonceRequired(false);
  assert.equal((await requestToken(await signDpopProof(key, { htm: 'POST', htu: server.tokenUrl }))).status, 200);
});

test('API nonces: while required, 401 use_dpop_nonce with the nonce; with it, 200; after a rotation the old nonce is refused and the new one taken', async (t) => {
  t.after(() => server.setApiNonceRequired(false));
  const token = await dpopToken();
  const bearer = (await requestToken()).body.access_token as string;
  server.setApiNonceRequired(true);
  server.reset();
  const first = server.currentApiNonce();

  const refused = await callApi('DPoP', token, await apiProof(token));
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^DPoP realm="api", error="use_dpop_nonce", /);
  assert.equal(refused.headers.get('dpop-nonce'), first);
  const accepted = await callApi('DPoP', token, await apiProof(token, { nonce: first }));
  assert.deepEqual([accepted.status, accepted.headers.get('dpop-nonce')], [200, first]);
  const bearerAnswer = await callApi('Bearer', bearer);
  assert.deepEqual([bearerAnswer.status, bearerAnswer.headers.get('dpop-nonce')], [200, first], 'Bearer needs no nonce, but is told it');

  const second = server.rotateApiNonce();
  assert.notEqual(second, first);
  assert.equal(server.currentApiNonce(), second);
  const stale = await callApi('DPoP', token, await apiProof(token, { nonce: first }));
  assert.deepEqual([stale.status, stale.headers.get('dpop-nonce')], [401, second]);
  assert.equal((await callApi('DPoP', token, await apiProof(token, { nonce: second }))).status, 200);
  assert.deepEqual(server.apiRequests.map((record) => [record.outcome, record.dpop?.nonce, record.dpopNonceAnswered]), [
    ['use_dpop_nonce', undefined, first],
    ['ok', first, first],
    ['ok', undefined, first],
    ['use_dpop_nonce', first, second],
    ['ok', second, second],
  ]);

  server.setApiNonceRequired(false);
  const without = await callApi('DPoP', token, await apiProof(token));
  assert.deepEqual([without.status, without.headers.get('dpop-nonce')], [200, null]);
});

test('the API refuses each wrong proof with invalid_dpop_proof, and takes a correct one for the same token', async () => {
  const token = await dpopToken();
  const now = Math.floor(Date.now() / 1000);
  // Extractable, unlike createDpopKey's, so that its private JWK can be put where the public one belongs.
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const leaky: DpopKey = { ...key, privateKey };
  const privateJwk = await exportJWK(privateKey);
  const cases: [string, () => Promise<string | undefined>, RegExp][] = [
    ['no proof', async () => undefined, /no DPoP proof/],
    ['not a JWT', async () => 'not-a-jwt', /not a JWS/],
    ['ath of another token', () => apiProof(token, { ath: accessTokenHash(`${token}x`) }), /ath/],
    ['no ath', () => apiProof(token, { accessToken: undefined }), /ath/],
    ['htm POST for a GET', () => apiProof(token, { htm: 'POST' }), /htm/],
    ['htu of another path', () => apiProof(token, { htu: `${server.apiUrl}/write` }), /htu/],
    ['htu of another port', () => apiProof(token, { htu: server.tokenUrl }), /htu/],
    ['iat too old', () => apiProof(token, { iat: now - PROOF_IAT_TOLERANCE_SECONDS - 5 }), /iat/],
    ['iat in the future', () => apiProof(token, { iat: now + PROOF_IAT_TOLERANCE_SECONDS + 5 }), /iat/],
    ['typ JWT', () => apiProof(token, { typ: 'JWT' }), /typ/],
    ['a private key in the jwk header', () => apiProof(token, { jwk: privateJwk }, leaky), /private/],
    ['signed by another key than the jwk header', async () => apiProof(token, { jwk: (await createDpopKey()).publicJwk }), /verify/],
  ];
  server.reset();
  for (const [name, makeProof, reason] of cases) {
    const answer = await callApi('DPoP', token, await makeProof());
    assert.equal(answer.status, 401, name);
    assert.match(answer.headers.get('www-authenticate') ?? '', /^DPoP realm="api", error="invalid_dpop_proof"/, name);
    assert.match(server.apiRequests.at(-1)?.errorDescription ?? '', reason, name);
  }
  assert.deepEqual(new Set(server.apiRequests.map((record) => record.outcome)), new Set(['invalid_dpop_proof']));
  assert.equal(server.apiRequests[2]?.dpop?.ath, false, 'the ath mismatch is recorded');
  // The query, a default-cased host and an escaped unreserved character do not change htu (RFC 3986 §6.2.2).
  const equivalent = whoamiUrl().replace('/whoami', '/who%61mi').replace('http://', 'HTTP://');
  assert.equal((await callApi('DPoP', token, await apiProof(token, { htu: equivalent }))).status, 200);
});

test('a proof replayed (same jti) is refused, even for the request it was made for', async () => {
  const token = await dpopToken();
  server.reset();
  const proof = await apiProof(token);
  assert.equal((await callApi('DPoP', token, proof)).status, 200);
  const replayed = await callApi('DPoP', token, proof);
  assert.equal(replayed.status, 401);
  assert.match(replayed.headers.get('www-authenticate') ?? '', /error="invalid_dpop_proof"/);
  assert.deepEqual(server.apiRequests.map((record) => record.outcome), ['ok', 'invalid_dpop_proof']);
  assert.match(server.apiRequests[1]?.errorDescription ?? '', /used before/);
  assert.equal(server.apiRequests[0]?.dpop?.jti, server.apiRequests[1]?.dpop?.jti);
});

test('a valid proof by another key than the token\'s cnf.jkt is key_mismatch, answered invalid_token', async () => {
  const token = await dpopToken(key);
  const other = await createDpopKey();
  server.reset();
  const answer = await callApi('DPoP', token, await apiProof(token, {}, other));
  assert.equal(answer.status, 401);
  assert.match(answer.headers.get('www-authenticate') ?? '', /^DPoP realm="api", error="invalid_token"/);
  assert.deepEqual(server.apiRequests.map((record) => [record.outcome, record.dpop?.jkt]), [['key_mismatch', other.jkt]]);
  assert.equal((await callApi('DPoP', token, await apiProof(token))).status, 200, 'the token is good with its own key');
});

test('a revoked DPoP token is invalid_token under the DPoP scheme', async () => {
  const token = await dpopToken();
  await server.revokeAllTokens();
  server.reset();
  const answer = await callApi('DPoP', token, await apiProof(token));
  assert.equal(answer.status, 401);
  assert.match(answer.headers.get('www-authenticate') ?? '', /^DPoP realm="api", error="invalid_token"/);
  assert.deepEqual(server.apiRequests.map((record) => record.outcome), ['invalid_token']);
});

test('the https API checks DPoP the same way, htu being its https URL', async () => {
  const token = await dpopToken();
  const agent = new Agent({ connect: { ca: server.certificates.ca } });
  try {
    const httpsWhoami = `${server.mtls.apiUrl}/whoami`;
    const answer = await callApi('DPoP', token, await apiProof(token, { htu: httpsWhoami }), httpsWhoami, agent);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const plainHtu = await callApi('DPoP', token, await apiProof(token), httpsWhoami, agent);
    assert.deepEqual([plainHtu.status, plainHtu.body.error], [401, 'invalid_dpop_proof']);
  } finally {
    await agent.close();
  }
});
