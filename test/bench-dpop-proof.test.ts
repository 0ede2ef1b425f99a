/**
 * The bench API's DPoP check: the overhead scenario's DPoP figure means something only if the API takes
 * the library's proofs and would refuse one made for another request or another token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { proofFits } from '../bench/servers/dpop-proof.ts';
import { dpopKey } from '../src/keys/dpop-key.ts';

const htu = 'http://127.0.0.1:8080/v2/checkout/orders/1';
const token = 'client~1~2~0~DPoP~signature';
const ath = (accessToken: string) => createHash('sha256').update(accessToken).digest('base64url');

describe('bench API: DPoP proof check', () => {
  it("accepts oauth-ccg's proof for the request and the token, and only for them", async () => {
    const proof = await dpopKey(true).proof({ htm: 'GET', htu, ath: ath(token) });
    assert.equal(proofFits(proof, { method: 'GET', htu, accessToken: token }), true);
    assert.equal(proofFits(proof, { method: 'POST', htu, accessToken: token }), false);
    assert.equal(proofFits(proof, { method: 'GET', htu: `${htu}0`, accessToken: token }), false);
    assert.equal(proofFits(proof, { method: 'GET', htu, accessToken: `${token}0` }), false);
    assert.equal(proofFits(proof, { method: 'GET', htu }), false);
  });

  it('at the token endpoint, accepts a proof without ath', async () => {
    const proof = await dpopKey(true).proof({ htm: 'POST', htu });
    assert.equal(proofFits(proof, { method: 'POST', htu }), true);
  });

  it('refuses what is not a DPoP proof', async () => {
    const proof = await dpopKey(true).proof({ htm: 'GET', htu, ath: ath(token) });
    const [header, payload] = proof.split('.') as [string, string];
    const expected = { method: 'GET', htu, accessToken: token };
    assert.equal(proofFits(undefined, expected), false);
    assert.equal(proofFits(`${header}.${payload}.`, expected), false);
    assert.equal(proofFits('not.a.proof', expected), false);
    const jwtHeader = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), typ: 'JWT' })).toString('base64url');
    assert.equal(proofFits(proof.replace(header, jwtHeader), expected), false);
  });
});
