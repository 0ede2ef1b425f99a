// The two HTTP headers the library reads: Retry-After (RFC 9110 §10.2.3) and WWW-Authenticate (RFC 6750 §3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { challengeError, isTokenRejection } from '../src/protocol/bearer-challenge.ts';

const bearerChallengeError = (header: string | null) => challengeError(header, 'Bearer');
import { parseRetryAfter } from '../src/lifecycle/retry.ts';

test('Retry-After: delay-seconds or an HTTP-date, anything else ignored', () => {
  const now = Date.parse('Sun, 22 Nov 2026 06:00:00 GMT');
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 06:00:05 GMT', now), 5_000);
  assert.equal(parseRetryAfter('Sunday, 22-Nov-26 06:00:05 GMT', now), 5_000, 'the obsolete RFC 850 form');
  assert.equal(parseRetryAfter('Sun, 22 Nov 2026 05:59:00 GMT', now), 0, 'a date in the past means now');
  for (const garbage of ['1.5', '-1', '0.5', 'soon', '']) assert.equal(parseRetryAfter(garbage, now), undefined, garbage);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('WWW-Authenticate: the error of the Bearer challenge, among other challenges', () => {
  assert.equal(bearerChallengeError('Bearer realm="api", error="invalid_token", error_description="expired"'), 'invalid_token');
  assert.equal(bearerChallengeError('Basic realm="x", Bearer error=insufficient_scope'), 'insufficient_scope');
  assert.equal(bearerChallengeError('bearer realm="api"'), undefined);
  assert.equal(bearerChallengeError('Basic realm="x"'), undefined);
  assert.equal(bearerChallengeError(null), undefined);
});

test('only a 401 that blames the token (or names nothing) calls for a new token', () => {
  const response = (status: number, challenge?: string) => new Response(null, { status, headers: challenge ? { 'www-authenticate': challenge } : {} });
  assert.equal(isTokenRejection(response(401, 'Bearer error="invalid_token"')), true);
  assert.equal(isTokenRejection(response(401, 'Bearer realm="api"')), true);
  assert.equal(isTokenRejection(response(401)), true);
  assert.equal(isTokenRejection(response(401, 'Bearer error="invalid_request"')), false);
  assert.equal(isTokenRejection(response(403, 'Bearer error="insufficient_scope"')), false);
  assert.equal(isTokenRejection(response(200)), false);
});

test('WWW-Authenticate: the DPoP challenge is read apart from the Bearer one', () => {
  const both = 'Bearer realm="api", DPoP algs="ES256", error="use_dpop_nonce", error_description="nonce needed"';
  assert.equal(challengeError(both, 'DPoP'), 'use_dpop_nonce');
  assert.equal(challengeError(both, 'Bearer'), undefined, 'the Bearer challenge names no error');
  assert.equal(challengeError('DPoP error="invalid_dpop_proof", Bearer error="invalid_token"', 'DPoP'), 'invalid_dpop_proof');
  assert.equal(challengeError('DPoP error="invalid_dpop_proof", Bearer error="invalid_token"', 'Bearer'), 'invalid_token');
  const refusal = (header: string) => new Response(null, { status: 401, headers: { 'www-authenticate': header } });
  assert.equal(isTokenRejection(refusal('DPoP error="use_dpop_nonce"'), 'DPoP'), false, 'a nonce demand is not a refused token');
  assert.equal(isTokenRejection(refusal('DPoP error="invalid_token"'), 'DPoP'), true);
  assert.equal(isTokenRejection(refusal('DPoP error="invalid_dpop_proof"'), 'DPoP'), false);
});
