import { ApiError } from '../errors.ts';
import { postForm, type AuthenticatedEndpoint, type ExchangeLabel } from './http-exchange.ts';
import { parseTokenResponse, type TokenResponse } from './token-response.ts';

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
): Promise<{ response: TokenResponse; sentAt: number }> {
  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  for (const [name, value] of params) body.append(name, value);
  const sentAt = Date.now();
  const response = await postForm(endpoint, body, TOKEN_EXCHANGE);
  return { response: parseTokenResponse(response, endpoint.scrub), sentAt };
}
