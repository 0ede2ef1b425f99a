import { ApiError } from '../errors.ts';
import { tokenTypesFor } from './dpop.ts';
import { postForm, type AuthenticatedEndpoint, type ExchangeLabel } from './http-exchange.ts';
import { parseOAuthError, parseTokenResponse, type RawResponse, type TokenResponse } from './token-response.ts';

export { endpointName, MAX_RESPONSE_BYTES as MAX_TOKEN_RESPONSE_BYTES } from './http-exchange.ts';

/** Everything needed to talk to one token endpoint: its URL, the client's authentication, timeout, fetch and scrub. */
export type TokenEndpoint = AuthenticatedEndpoint;

const TOKEN_EXCHANGE: ExchangeLabel = {
  server: 'The token endpoint',
  request: 'The token request',
  onRedirect: 'so that credentials reach only the configured URL. Set tokenUrl to the final URL.',
  error: ApiError,
};

/**
 * One client_credentials token request (RFC 6749 §4.4.2): a single HTTP exchange, no retries.
 * Redirects are not followed, so the credentials only ever reach the configured URL.
 * `sentAt` (epoch ms) is taken before sending: measuring `expires_in` from it errs on the safe side.
 */
export async function requestToken(
  endpoint: TokenEndpoint,
  params: URLSearchParams,
): Promise<{ response: TokenResponse; sentAt: number; nonceRetried: boolean }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  for (const [name, value] of params) body.append(name, value);
  const sentAt = Date.now();
  const { dpop } = endpoint;
  const nonceSent = dpop?.nonceFor(endpoint.url);
  let response = await postForm(endpoint, body, TOKEN_EXCHANGE);
  // RFC 9449 §8: a server that wants a nonce says so, with one; the request is made again at once with it
  // (a new proof, a new assertion), and not counted as an attempt. A second demand is the caller's error.
  const nonceRetried = dpop !== undefined && dpop.nonceFor(endpoint.url) !== nonceSent && demandsNonce(response, endpoint);
  if (nonceRetried) response = await postForm(endpoint, body, TOKEN_EXCHANGE);
  return { response: parseTokenResponse(response, endpoint.scrub, tokenTypesFor(endpoint.dpop)), sentAt, nonceRetried };
}

/** A 400 `use_dpop_nonce` (the nonce it brought is already kept by the session). */
function demandsNonce(response: RawResponse, endpoint: TokenEndpoint): boolean {
  return response.status === 400 && parseOAuthError(response, endpoint.scrub)?.error === 'use_dpop_nonce';
}
