import { ApiError, InvalidTokenError } from '../errors.ts';
import { KnownSecrets, redactBody, type Scrub } from '../redaction.ts';
import { endpointName, postForm, type AuthenticatedEndpoint, type ExchangeLabel } from './http-exchange.ts';
import { parseOAuthError } from './token-response.ts';

/** RFC 7009 §2.1 `token_type_hint`: which kind of token is being revoked, to spare the server a search. */
export type TokenTypeHint = 'access_token' | 'refresh_token';

const REVOCATION_EXCHANGE: ExchangeLabel = {
  server: 'The revocation endpoint',
  request: 'The revocation request',
  onRedirect: 'so that credentials and the token reach only the configured URL. Set revocationUrl to the final URL.',
  error: ApiError,
};

/**
 * One token revocation request (RFC 7009 §2.1): a single HTTP exchange, no retries. Posts `token` (and
 * `token_type_hint` when given) with the client's authentication, to `endpoint.url` only (no redirects).
 * Any 2xx is success whatever the body, which is not read (§2.2: a 200 also answers a token the server does
 * not know; a 204 is a harmless difference). The token is a secret: it is removed, in every encoding it could
 * come back in, from every error this throws, on top of what `endpoint.scrub` removes.
 *
 * @throws {OAuthProviderError} an RFC 6749 §5.2 error response (§2.2.1): `unsupported_token_type`, `invalid_client`, …;
 *   transient (the caller may retry) when its status is 429 or 5xx.
 * @throws {ApiError} any other answer: a 503 without an error body (transient: retry after its `Retry-After`),
 *   another status, a redirect, a body over 1 MiB. `body` is redacted.
 * @throws {NetworkError} no answer; a `TimeoutError` (a `NetworkError`) when no complete answer came within `endpoint.timeout`.
 * @throws {InvalidTokenError} `token` is empty: there is nothing to revoke.
 */
export async function revokeToken(endpoint: AuthenticatedEndpoint, token: string, tokenTypeHint?: TokenTypeHint): Promise<void> {
  if (token === '') throw new InvalidTokenError('The token to revoke is empty.');
  const revoked = new KnownSecrets();
  revoked.addCredentials([token]);
  const scrub: Scrub = (text) => endpoint.scrub(revoked.scrub(text));

  const body = new URLSearchParams({ token });
  if (tokenTypeHint) body.set('token_type_hint', tokenTypeHint);
  const { url, authentication, timeout, fetch } = endpoint;
  const response = await postForm({ url, authentication, timeout, fetch, scrub }, body, REVOCATION_EXCHANGE, (status) => !isSuccess(status));
  if (isSuccess(response.status)) return;

  const refusal = parseOAuthError(response, scrub, 'revocation endpoint');
  if (refusal) throw refusal;
  throw new ApiError(`The revocation endpoint ${endpointName(url)} answered HTTP ${response.status} without an OAuth error response.`, {
    statusCode: response.status,
    headers: response.headers,
    body: redactBody(response.body, scrub),
  });
}

function isSuccess(status: number): boolean {
  return status >= 200 && status <= 299;
}
