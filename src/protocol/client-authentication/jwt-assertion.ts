import { ClientAssertionError } from '../../errors.ts';
import type { SigningKey } from '../../keys/signing-key.ts';
import { redactText } from '../../redaction.ts';
import { isHeaderSafe } from '../../token.ts';
import type { ClientAuthentication } from './client-authentication.ts';

/** RFC 7523 §2.2: the client authenticates with a JWT. */
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** An assertion lives this long; RFC 7523 §3 wants it short, and it is made afresh for each request anyway. */
const LIFETIME_SECONDS = 60;

/**
 * client_secret_jwt and private_key_jwt (RFC 7523 §2.2, RFC 7521 §4.2): a JWT signed with the client
 * secret (HMAC) or a private key, made afresh for every request and every retry, so that a server that
 * remembers `jti` values never sees one twice. `audience` is the issuer when known, else the token
 * endpoint (RFC 7523 §3 allows either).
 */
export function jwtAssertion(options: {
  method: 'client_secret_jwt' | 'private_key_jwt';
  clientId: string;
  key: SigningKey;
  audience: (endpoint: URL) => string;
}): ClientAuthentication {
  const { method, clientId, key, audience } = options;
  return assertionAuthentication(method, clientId, async (endpoint) => {
    const now = Math.floor(Date.now() / 1000);
    return key.sign(
      { iss: clientId, sub: clientId, aud: audience(endpoint), iat: now, exp: now + LIFETIME_SECONDS, jti: crypto.randomUUID() },
      { typ: 'JWT' },
    );
  });
}

/**
 * A ready-made assertion (workload identity: a Kubernetes service-account token, a cloud identity token),
 * asked for before every request so that a rotated one is always the one sent.
 */
export function providedAssertion(clientId: string, provide: () => string | Promise<string>): ClientAuthentication {
  return assertionAuthentication('private_key_jwt', clientId, async () => {
    let assertion: unknown;
    try {
      assertion = await provide();
    } catch (error) {
      // Its own words, not the error object (a `cause` chain could carry anything the callback touched),
      // and those with any assertion in them redacted.
      const message = error instanceof Error ? redactText(error.message, (text) => text) : 'it threw a non-error';
      throw new ClientAssertionError(`oAuthClientAssertion failed: ${message}.`);
    }
    if (typeof assertion !== 'string' || !isHeaderSafe(assertion)) throw new ClientAssertionError('oAuthClientAssertion did not return an assertion (a non-empty string of visible ASCII).');
    return assertion;
  });
}

function assertionAuthentication(
  method: 'client_secret_jwt' | 'private_key_jwt',
  clientId: string,
  assertionFor: (endpoint: URL) => Promise<string>,
): ClientAuthentication {
  return {
    method,
    clientId,
    // Each assertion is new; an echo of one is caught by its shape (see redaction.ts), and expires in a minute.
    secrets: [],
    apply: async ({ body, endpoint }) => {
      body.set('client_id', clientId);
      body.set('client_assertion_type', JWT_BEARER);
      body.set('client_assertion', await assertionFor(endpoint));
    },
  };
}
