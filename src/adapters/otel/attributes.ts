import type { Attributes } from '@opentelemetry/api';
import { ApiError, OAuthCcgError, OAuthProviderError } from '../../errors.ts';

/**
 * The attribute names the telemetry uses: the OpenTelemetry semantic conventions' where one fits, else
 * names under `oauth_ccg.`, as the conventions ask of names they do not define.
 */
export const ATTRIBUTE = {
  serverAddress: 'server.address',
  serverPort: 'server.port',
  urlFull: 'url.full',
  errorType: 'error.type',
  httpResponseStatusCode: 'http.response.status_code',
  outcome: 'oauth_ccg.outcome',
  attempt: 'oauth_ccg.token_request.attempt',
  tokenSource: 'oauth_ccg.token.source',
  storeOperation: 'oauth_ccg.store.operation',
  storeReason: 'oauth_ccg.store.reason',
  callback: 'oauth_ccg.callback',
  dpopServer: 'oauth_ccg.dpop.server',
} as const;

/**
 * OAuth error codes that RFCs register (RFC 6749 §4.1.2.1 and §5.2, RFC 7009, RFC 8707, RFC 9449). A code
 * is the server's text: only these are put in an attribute, so that a server cannot fill dashboards with
 * codes of its own, nor echo a credential into one.
 */
const REGISTERED_OAUTH_ERRORS = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'access_denied',
  'server_error',
  'temporarily_unavailable',
  'unsupported_token_type',
  'invalid_target',
  'invalid_dpop_proof',
  'use_dpop_nonce',
]);

/** The semantic conventions' `error.type` for an error that is none of the known kinds. */
const OTHER_ERROR = '_OTHER';

/**
 * What may be said of an error: its kind (`error.type`) and the HTTP status it came with, never its message,
 * which can quote a server's text. The kind is a registered OAuth error code, else the name of the
 * library's error class (`NetworkError`, `TimeoutError`, `ApiError`, …), else `_OTHER`: a user's callback,
 * provider or store can throw anything, and its class name would be the user's to choose.
 */
export function errorAttributes(error: unknown): Attributes {
  const statusCode = error instanceof ApiError || error instanceof OAuthProviderError ? { [ATTRIBUTE.httpResponseStatusCode]: error.statusCode } : {};
  return { [ATTRIBUTE.errorType]: errorType(error), ...statusCode };
}

function errorType(error: unknown): string {
  if (error instanceof OAuthProviderError && REGISTERED_OAUTH_ERRORS.has(error.error)) return error.error;
  // The library's errors keep their names through minification, and set no other.
  if (error instanceof OAuthCcgError) return error.name;
  return OTHER_ERROR;
}

/**
 * The token endpoint as the semantic conventions describe a server: `server.address` and `server.port`
 * (the scheme's default when the URL gives none), and with `full`, `url.full` rebuilt from the scheme, host,
 * port and path alone, so that no query, fragment or user info can reach an attribute. Nothing for a URL
 * that cannot be read.
 */
export function serverAttributes(url: string, options: { full: boolean }): Attributes {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return {};
  }
  const attributes: Attributes = {
    // The conventions want an IPv6 address without its brackets.
    [ATTRIBUTE.serverAddress]: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    [ATTRIBUTE.serverPort]: parsed.port === '' ? defaultPort(parsed.protocol) : Number(parsed.port),
  };
  if (options.full) attributes[ATTRIBUTE.urlFull] = `${parsed.origin}${parsed.pathname}`;
  return attributes;
}

function defaultPort(protocol: string): number {
  return protocol === 'http:' ? 80 : 443;
}
