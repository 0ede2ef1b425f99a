// Reading token responses: strict where RFC 6749 speaks, lenient where real servers differ harmlessly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, OAuthProviderError } from 'oauth-ccg';
import { parseTokenResponse } from '../src/protocol/token-response.ts';
import { isTokenExpired, leaseToken } from '../src/token.ts';

const json = (body: unknown, status = 200) => ({ status, headers: new Headers({ 'content-type': 'application/json' }), body: JSON.stringify(body) });

test('token_type in any case, or missing, is Bearer; unknown fields are ignored', () => {
  for (const token_type of ['bearer', 'BEARER', 'Bearer', undefined]) {
    assert.deepEqual(parseTokenResponse(json({ access_token: 'a', token_type, expires_in: 60, ext: { x: 1 } })), { accessToken: 'a', tokenType: 'Bearer', expiresIn: 60 });
  }
});

test('expires_in as a numeric string is a number (Azure AD v1, PayPal)', () => {
  assert.equal(parseTokenResponse(json({ access_token: 'a', token_type: 'Bearer', expires_in: '3599' })).expiresIn, 3599);
});

test('a form-encoded body is read (GitHub-style servers)', () => {
  const response = { status: 200, headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }), body: 'access_token=a&token_type=bearer&scope=read' };
  assert.deepEqual(parseTokenResponse(response), { accessToken: 'a', tokenType: 'Bearer', scope: 'read' });
});

test('a token without expires_in gets the default lifetime, never "forever"', () => {
  const lease = leaseToken({ accessToken: 'a' }, 1_000_000, 300);
  assert.equal(lease.expiresAt, 1_000_000 + 300_000);
  assert.equal(lease.token.expiry, Math.floor((1_000_000 + 300_000) / 1000));
  assert.equal(lease.token.expiresIn, undefined, 'expiresIn stays what the server said: nothing');
});

test('an RFC 6749 §5.2 error is an OAuthProviderError with every field', () => {
  const error = (() => {
    try {
      parseTokenResponse(json({ error: 'invalid_scope', error_description: 'no such scope', error_uri: 'https://docs.example/e' }, 400));
    } catch (caught) {
      return caught;
    }
  })();
  assert.ok(error instanceof OAuthProviderError);
  assert.deepEqual([error.error, error.errorDescription, error.errorUri, error.statusCode], ['invalid_scope', 'no such scope', 'https://docs.example/e', 400]);
  assert.match(error.message, /invalid_scope.*no such scope.*oAuthScopes/);
});

test('an expiry in milliseconds (the SDK docs\' BigInt(Date.now())) is read as milliseconds', () => {
  const now = Date.now();
  assert.equal(leaseToken({ accessToken: 'a', expiry: BigInt(now) }, now, 300).expiresAt, now);
  assert.equal(leaseToken({ accessToken: 'a', expiry: String(Math.floor(now / 1000) + 60) }, now, 300).token.expiry, Math.floor(now / 1000) + 60);
});

test('a response that is not a token is an ApiError naming the problem', () => {
  assert.throws(() => parseTokenResponse(json({ token_type: 'Bearer' })), (error: unknown) => error instanceof ApiError && /no access_token/.test(error.message));
  assert.throws(() => parseTokenResponse(json([1, 2])), (error: unknown) => error instanceof ApiError && /not a JSON object/.test(error.message));
});

test('numbers are decimal only: "0x10", "1e3" and "" are not lifetimes', () => {
  for (const expires_in of ['0x10', '1e3', '', ' ', '16s', 'Infinity']) {
    assert.throws(
      () => parseTokenResponse(json({ access_token: 'a', expires_in })),
      (error: unknown) => error instanceof ApiError && /expires_in that is not a positive number/.test(error.message),
      JSON.stringify(expires_in),
    );
  }
  assert.equal(parseTokenResponse(json({ access_token: 'a', expires_in: ' 3600 ' })).expiresIn, 3600);
  assert.throws(() => leaseToken({ accessToken: 'a', expiresIn: '0x10' }, 0, 300), /expiresIn is not a finite number/);
});

test('an expiry that cannot be read is expired: isExpired fails closed', () => {
  const now = Date.now();
  for (const expiry of ['abc', Number.NaN, '2020-01-01', '0x7fffffff', {} as never]) {
    assert.equal(isTokenExpired({ expiry }, 0, now), true, `expiry ${String(expiry)}`);
  }
  assert.equal(isTokenExpired({ expiry: String(Math.floor(now / 1000) + 60) }, 0, now), false);
  assert.equal(isTokenExpired({ expiry: BigInt(Math.floor(now / 1000) + 60) }, 0, now), false);
  assert.equal(isTokenExpired({}, 0, now), false, 'no expiry at all cannot be judged');
});

test('a form Content-Type is recognised in any case, with parameters', () => {
  for (const type of ['Application/X-WWW-Form-Urlencoded', 'application/x-www-form-urlencoded; charset=UTF-8']) {
    const response = { status: 200, headers: new Headers({ 'content-type': type }), body: 'access_token=a&token_type=bearer' };
    assert.deepEqual(parseTokenResponse(response), { accessToken: 'a', tokenType: 'Bearer' });
  }
});

test('an error message gives the status the server sent, a 204 included', () => {
  assert.throws(
    () => parseTokenResponse({ status: 204, headers: new Headers(), body: '' }),
    (error: unknown) => error instanceof ApiError && /HTTP 204/.test(error.message) && error.statusCode === 204,
  );
});

test('error_description and error_uri are kept to 4 KiB, like a body', () => {
  const long = 'x'.repeat(900_000);
  assert.throws(
    () => parseTokenResponse(json({ error: 'invalid_request', error_description: long, error_uri: `https://e.example/${long}` }, 400)),
    (error: unknown) =>
      error instanceof OAuthProviderError && error.errorDescription!.length === 4096 && error.errorUri!.length === 4096 && error.message.length < 5000,
  );
});

test('a body kept for diagnosis is redacted by its structure, whatever the key\'s spelling or encoding', () => {
  const bodies = [
    '{"access\\u005ftoken": "T0KEN-JSON-ESCAPED", "error_x": 1}',
    'access%5Ftoken=T0KEN-FORM-ENCODED&x=1',
    JSON.stringify({ accessToken: 'T0KEN-CAMEL', nested: { token: 'T0KEN-PLAIN', list: [{ id_token: 'T0KEN-ID' }] } }),
    '<p>Authorization: Bearer T0KEN-IN-HTML</p>',
  ];
  for (const body of bodies) {
    assert.throws(
      () => parseTokenResponse({ status: 500, headers: new Headers(), body }),
      (error: unknown) => error instanceof ApiError && !/T0KEN/.test(error.body) && error.body.includes('[redacted]'),
      body,
    );
  }
});

test('a DPoP token is accepted only when DPoP was asked for, and a Bearer answer to a DPoP request is a downgrade', () => {
  const dpop = json({ access_token: 'a', token_type: 'dpop', expires_in: 60 });
  assert.equal(parseTokenResponse(dpop, undefined, ['DPoP']).tokenType, 'DPoP', 'compared case-insensitively, spelled as asked');
  assert.throws(() => parseTokenResponse(dpop), (error: unknown) => error instanceof ApiError && /only Bearer tokens are supported \(configure dpop/.test(error.message));
  const bearer = json({ access_token: 'a', token_type: 'Bearer' });
  assert.throws(() => parseTokenResponse(bearer, undefined, ['DPoP']), (error: unknown) => error instanceof ApiError && /a downgrade.*allowBearerDowngrade/.test(error.message));
  assert.equal(parseTokenResponse(bearer, undefined, ['DPoP', 'Bearer']).tokenType, 'Bearer');
});
