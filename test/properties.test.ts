// Property tests of the three pure functions that stand between the library and untrusted input:
// the token endpoint's answer, the client's credentials, and tokens handed in by users and stores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ApiError, InvalidTokenError, OAuthProviderError } from 'oauth-ccg';
import { encodeBasicCredentials } from '../src/protocol/client-authentication/client-secret-basic.ts';
import { parseTokenResponse } from '../src/protocol/token-response.ts';
import { leaseToken } from '../src/token.ts';

/** Enough runs to reach the odd corners; the whole file stays well under 10 s. */
const RUNS = { numRuns: 1_000 };

const HEADER_SAFE = /^[\x21-\x7e]+$/;

/** Objects whose own keys shadow Object.prototype: JSON.parse makes these from any server's body. */
const shadowingObject = (values: fc.Arbitrary<unknown>) =>
  fc.dictionary(fc.constantFrom('toString', 'valueOf', '__proto__', 'constructor', 'toJSON', 'length'), values, { minKeys: 1 });

/** Header-safe text: what a usable access token is made of. */
const headerSafeString = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1 });

// ---------------------------------------------------------------------------------------------------
// (a) parseTokenResponse: any status, headers and body give a token or a typed error, nothing else.

/** Values a server might put in any member: plausible ones often, anything JSON can hold the rest of the time. */
const memberValue = (...plausible: unknown[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...plausible) },
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)) },
    { weight: 1, arbitrary: shadowingObject(fc.jsonValue()) },
  );

const tokenFields = fc.record(
  {
    access_token: fc.oneof(headerSafeString, memberValue('tok', '', 'has space', 'line\nbreak', 'ünïcode')),
    token_type: memberValue('Bearer', 'bearer', 'BEARER', 'mac', 'DPoP', ''),
    expires_in: memberValue(3600, '3600', ' 60 ', 0, -1, '0', 'soon', '', '1e3', 1e308, Number.MIN_VALUE, true),
    error: memberValue('invalid_client', 'invalid_scope', '', 42),
    error_description: memberValue('because', 1),
    scope: memberValue('read write', 7),
    refresh_token: memberValue('r', null),
  },
  { requiredKeys: [] },
);

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/html', 'text/plain', undefined];

const rawResponse = fc.record({
  status: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(200, 201, 204, 400, 401, 429, 500, 503) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 999 }) }),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  body: fc.oneof(
    tokenFields.map((fields) => JSON.stringify(fields)),
    // Form-encoded answers (GitHub-style): every value arrives as a string.
    tokenFields.map((fields) =>
      new URLSearchParams(Object.entries(fields).map(([name, value]): [string, string] => [name, typeof value === 'string' ? value : JSON.stringify(value)])).toString(),
    ),
    fc.json(),
    fc.string(),
    fc.string({ unit: 'binary' }),
  ),
});

/** What the body says, read the way RFC 6749 servers write it: a JSON object, or form fields when labelled so. */
function bodyFields(body: string, contentType: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return contentType?.includes('application/x-www-form-urlencoded') ? Object.fromEntries(new URLSearchParams(body)) : undefined;
  }
}

test('parseTokenResponse returns a usable token or throws OAuthProviderError/ApiError, nothing else', () => {
  fc.assert(
    fc.property(rawResponse, ({ status, contentType, body }) => {
      const headers = new Headers(contentType === undefined ? {} : { 'content-type': contentType });
      const fields = bodyFields(body, contentType);
      let result;
      try {
        result = parseTokenResponse({ status, headers, body });
      } catch (error) {
        if (error instanceof OAuthProviderError) {
          // §5.2: an error member makes it a provider error whatever the status, and only that does.
          assert.equal(typeof fields?.error, 'string');
          assert.equal(error.statusCode, status);
          return;
        }
        if (error instanceof ApiError) {
          assert.notEqual(typeof fields?.error, 'string');
          assert.equal(error.statusCode, status);
          assert.ok(error.body.length <= 4096);
          return;
        }
        throw error;
      }
      assert.ok(status >= 200 && status <= 299, `a token from an HTTP ${status}`);
      assert.notEqual(typeof fields?.error, 'string');
      assert.ok(result.accessToken !== '' && HEADER_SAFE.test(result.accessToken), `unusable accessToken ${JSON.stringify(result.accessToken)}`);
      assert.equal(result.accessToken, fields?.access_token);
      if (result.expiresIn !== undefined) {
        assert.ok(Number.isFinite(result.expiresIn) && result.expiresIn > 0, `expiresIn ${result.expiresIn}`);
      }
      if (result.scope !== undefined) assert.equal(typeof result.scope, 'string');
      if (result.refreshToken !== undefined) assert.equal(typeof result.refreshToken, 'string');
    }),
    // Pinned counterexample (fast-check finds it in roughly half the runs): String() of such an object throws.
    { ...RUNS, examples: [[{ status: 200, contentType: 'application/json', body: '{"access_token":"!","token_type":{"toString":[]}}' }]] },
  );
});

test('parseTokenResponse: an ApiError body shows no part of a refused access token', () => {
  // errors.ts promises that no error carries an access token. A response refused for another reason
  // (here its token_type) may still hold a live token; any header-safe token must be fully redacted.
  fc.assert(
    fc.property(headerSafeString, fc.constantFrom('mac', 'DPoP', 'N_A'), (accessToken, tokenType) => {
      const body = JSON.stringify({ access_token: accessToken, token_type: tokenType, expires_in: 3600 });
      try {
        parseTokenResponse({ status: 200, headers: new Headers({ 'content-type': 'application/json' }), body });
      } catch (error) {
        assert.ok(error instanceof ApiError);
        assert.equal(error.body, JSON.stringify({ access_token: '[redacted]', token_type: tokenType, expires_in: 3600 }));
        return;
      }
      assert.fail('a non-Bearer token was accepted');
    }),
    { ...RUNS, examples: [['abc,def', 'mac']] },
  );
});

// ---------------------------------------------------------------------------------------------------
// (b) encodeBasicCredentials: what a server decodes per RFC 6749 §2.3.1 is exactly what was encoded.

/** Any code point (no lone surrogates: those cannot be sent as UTF-8 at all), with the troublemakers often. */
const credentialText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(':', '%', '+', ' ', '&', '=', '%3A', '%20', '+:+'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
});

/** application/x-www-form-urlencoded decoding, as a server does it: '+' is a space, then percent-decoding. */
const formUrlDecode = (text: string): string | null => new URLSearchParams(`v=${text}`).get('v');

test('encodeBasicCredentials round-trips any id and secret through a §2.3.1 decoder', () => {
  fc.assert(
    fc.property(credentialText, credentialText, (clientId, clientSecret) => {
      const encoded = encodeBasicCredentials(clientId, clientSecret);
      assert.match(encoded, /^[A-Za-z0-9+/]*={0,2}$/);
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      // The separator is the only raw ':', so a server splitting at the first one finds the right parts.
      assert.equal(decoded.split(':').length - 1, 1, `raw ':' count in ${JSON.stringify(decoded)}`);
      const separator = decoded.indexOf(':');
      assert.equal(formUrlDecode(decoded.slice(0, separator)), clientId);
      assert.equal(formUrlDecode(decoded.slice(separator + 1)), clientSecret);
    }),
    RUNS,
  );
});

// ---------------------------------------------------------------------------------------------------
// (c) leaseToken: tokens from users and stores (any shape, bigints included) give a lease or InvalidTokenError.

/** Numbers as stores and SDKs write them: numbers, bigints, numeric strings, junk. */
const numberish = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.bigInt({ min: -(10n ** 400n), max: 10n ** 400n }),
  fc.double({ noNaN: true }).map(String),
  fc.integer().map((value) => ` ${value} `),
  fc.constantFrom(null, undefined, '', ' ', 'soon', 'Infinity', '0x10', true),
  fc.anything({ withBigInt: true }),
);

const anythingGoes = fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true });

const tokenInput = fc.oneof(
  { weight: 1, arbitrary: anythingGoes },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        accessToken: fc.oneof(headerSafeString, fc.string(), anythingGoes),
        tokenType: fc.oneof(fc.constantFrom('Bearer', 'bearer', 'BEARER', 'mac'), anythingGoes, shadowingObject(anythingGoes)),
        expiresIn: numberish,
        expiry: numberish,
        scope: fc.oneof(fc.string(), anythingGoes),
        refreshToken: fc.oneof(fc.string(), anythingGoes),
      },
      { requiredKeys: [] },
    ),
  },
);

/** `obtainedAt` is Date.now() in practice; `defaultLifetime` a positive configured number of seconds. */
const obtainedAt = fc.integer({ min: 0, max: 4_102_444_800_000 });
const defaultLifetime = fc.double({ min: 1e-3, max: 1e9, noNaN: true });

test('leaseToken returns a lease or throws InvalidTokenError, and the token is always JSON-serialisable', () => {
  fc.assert(
    fc.property(tokenInput, obtainedAt, defaultLifetime, (input, now, lifetime) => {
      let lease;
      try {
        lease = leaseToken(input, now, lifetime);
      } catch (error) {
        if (error instanceof InvalidTokenError) return;
        throw error;
      }
      const raw = input as Record<string, unknown>;
      assert.equal(lease.token.accessToken, raw.accessToken);
      assert.ok(HEADER_SAFE.test(lease.token.accessToken));
      assert.equal(lease.token.tokenType, 'Bearer');
      assert.equal(lease.obtainedAt, now);
      assert.ok(!Number.isNaN(lease.expiresAt));
      const text = JSON.stringify(lease.token);
      assert.equal(typeof text, 'string');
      for (const value of Object.values(lease.token)) assert.ok(typeof value === 'string' || typeof value === 'number', `a ${typeof value} in the token`);
    }),
    { ...RUNS, examples: [[{ accessToken: 'tok', tokenType: Object.create(null) }, 0, 300]] },
  );
});

test('leaseToken: a token stored as JSON reads back with the same expiry', () => {
  // token.ts: "JSON.stringify(token) can be stored as it is and read back as an OAuthTokenInput".
  // The expiry must therefore be a finite number of seconds below the 10^11 "this is milliseconds" line.
  fc.assert(
    fc.property(
      fc.record({ accessToken: headerSafeString, expiresIn: fc.oneof(fc.double({ min: 1, max: 1e308, noNaN: true }), fc.integer({ min: 1 })) }),
      obtainedAt,
      (input, now) => {
        const { token, expiresAt } = leaseToken(input, now, 300);
        assert.ok(Number.isFinite(token.expiry), `expiry ${token.expiry} is not JSON`);
        const reread = leaseToken(JSON.parse(JSON.stringify(token)), now + 1, 300);
        assert.equal(reread.expiresAt, Math.floor(expiresAt / 1000) * 1000);
      },
    ),
    // 1e306 s overflows to an expiry of Infinity (JSON null); 1e11 s (3170 years) crosses the milliseconds line.
    { ...RUNS, examples: [[{ accessToken: 'tok', expiresIn: 1e306 }, 0], [{ accessToken: 'tok', expiresIn: 1e11 }, 0]] },
  );
});
