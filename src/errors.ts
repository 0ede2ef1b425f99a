/** Marks `OAuthCcgError.prototype` in every copy of this library: `Symbol.for` is shared by all of them. */
const ERROR_BRAND = Symbol.for('oauth-ccg.OAuthCcgError');

/**
 * Every error this library throws is an {@link OAuthCcgError}. None of them ever carries a client
 * secret or an access token in its message, properties or `cause`.
 */
export class OAuthCcgError extends Error {
  /** The class's name, which survives minification: `'OAuthCcgError'`, `'TimeoutError'`, … */
  override name = 'OAuthCcgError';

  /**
   * `instanceof` that holds across copies of this library. An application can load both the ES module and
   * the CommonJS build (its own `import`, a dependency's `require`), and an error thrown by one copy must
   * still be an instance of the class imported from the other. An error from another copy is an instance
   * of a class when a class of that name is on its prototype chain: a `TimeoutError` is a `NetworkError`,
   * a `NetworkError` is never a `TimeoutError`.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value) || classNamesOf(value).includes(this.name);
  }

  static {
    Object.defineProperty(this.prototype, ERROR_BRAND, { value: true });
  }
}

/**
 * The names of the classes on an error's prototype chain, from its own up to `OAuthCcgError`, when it
 * comes from some copy of this library. Empty otherwise, and empty when a minifier has renamed the
 * classes (the names then no longer include the error's own `name`), since renamed classes of two copies
 * could share a name.
 */
function classNamesOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || !(ERROR_BRAND in value)) return [];
  const names: string[] = [];
  for (let prototype = Object.getPrototypeOf(value) as object | null; prototype !== null; prototype = Object.getPrototypeOf(prototype) as object | null) {
    names.push((prototype.constructor as { name: string }).name);
    if (Object.hasOwn(prototype, ERROR_BRAND)) break;
  }
  return names.includes((value as { name?: unknown }).name as string) ? names : [];
}

/** The configuration cannot work: a missing or unsafe URL, a malformed credential, a bad option. */
export class ConfigurationError extends OAuthCcgError {
  override name = 'ConfigurationError';
}

/**
 * The authorization server answered with an RFC 6749 §5.2 error response
 * (`{"error": "invalid_client", ...}`), whatever its HTTP status, including a 200 with an `error` member.
 */
export class OAuthProviderError extends OAuthCcgError {
  override name = 'OAuthProviderError';
  /** The §5.2 error code: `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, or an extension. */
  readonly error: string;
  /** The server's `error_description`: text for a developer, if it sent one. */
  readonly errorDescription: string | undefined;
  /** The server's `error_uri`: a page about the error, if it sent one. */
  readonly errorUri: string | undefined;
  /** The HTTP status of the response. */
  readonly statusCode: number;
  /** The response headers (`WWW-Authenticate`, `Retry-After`, …). */
  readonly headers: Headers;

  /** `details.endpoint` names the endpoint in the message; default "token endpoint". */
  constructor(details: { error: string; errorDescription?: string; errorUri?: string; statusCode: number; headers: Headers; endpoint?: string }) {
    const described = details.errorDescription ? `: ${details.errorDescription}` : '';
    super(`The ${details.endpoint ?? 'token endpoint'} refused the request with "${details.error}" (HTTP ${details.statusCode})${described}. ${adviceFor(details.error)}`);
    this.error = details.error;
    this.errorDescription = details.errorDescription;
    this.errorUri = details.errorUri;
    this.statusCode = details.statusCode;
    this.headers = details.headers;
  }
}

function adviceFor(error: string): string {
  switch (error) {
    case 'invalid_client':
      return "Check the client id, its credential (secret, key, assertion or certificate) and tokenEndpointAuthMethod against the server's registration.";
    case 'invalid_scope':
      return 'Check oAuthScopes against the scopes the client is allowed.';
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return 'The client is not allowed the client_credentials grant on this server.';
    default:
      return 'See errorDescription and the server documentation.';
  }
}

/** The most of any text from a server (a body, an error description) that an error keeps. */
export const MAX_KEPT_TEXT = 4096;

/**
 * An HTTP exchange with the token endpoint failed without an RFC 6749 error: an unexpected status,
 * a redirect, a body that is not a usable token response. Token values in `body` are redacted.
 */
export class ApiError extends OAuthCcgError {
  override name = 'ApiError';
  /** The HTTP status of the response. */
  readonly statusCode: number;
  /** The response headers. */
  readonly headers: Headers;
  /** The response body as text, at most 4 KiB, with any token or secret values replaced by `[redacted]`. */
  readonly body: string;

  /** `details.body` must already be redacted (see `redactBody`); it is cut to 4 KiB here. */
  constructor(message: string, details: { statusCode: number; headers: Headers; body: string }) {
    super(message);
    this.statusCode = details.statusCode;
    this.headers = details.headers;
    this.body = details.body.slice(0, MAX_KEPT_TEXT);
  }
}

/** The request never got an HTTP response: connection refused or reset, DNS failure, TLS failure. */
export class NetworkError extends OAuthCcgError {
  override name = 'NetworkError';
}

/** The request got no complete response within the configured `timeout`, or `oAuthTokenProvider` did not settle within `tokenProviderTimeout`. */
export class TimeoutError extends NetworkError {
  override name = 'TimeoutError';
}

/** A token handed to the library (configuration, token provider) is malformed, expired or of an unsupported type. */
export class InvalidTokenError extends OAuthCcgError {
  override name = 'InvalidTokenError';
}

/**
 * Authorization server metadata (RFC 8414, or OpenID Connect Discovery) could not be used: neither
 * well-known URL serves it, the server redirected, answered an error status or a body that is not
 * metadata (not a JSON object, no absolute `token_endpoint`), or the document names another `issuer`
 * than the one configured (RFC 8414 §3.3, which guards against one server impersonating another).
 * `statusCode`, `headers` and `body` are those of the answer at fault, so a 429 or a 5xx is transient
 * and retried like a token request's; every other case will not mend by asking again: check `issuer`,
 * or configure `tokenUrl` instead.
 */
export class DiscoveryError extends ApiError {
  override name = 'DiscoveryError';
}

/**
 * `oAuthClientAssertion` threw, or returned something that is not an assertion. Retried like a network
 * failure (a projected token file may be mid-rotation); the next token request asks it again.
 */
export class ClientAssertionError extends OAuthCcgError {
  override name = 'ClientAssertionError';
}

/** The client (or its `ClientCredentialsAuthManager`) was closed with `close()`: it gets no more tokens. */
export class ClientClosedError extends OAuthCcgError {
  override name = 'ClientClosedError';
}
