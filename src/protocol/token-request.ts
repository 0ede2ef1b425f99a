import { ApiError, NetworkError, OAuthCcgError, TimeoutError } from '../errors.ts';
import { redactText, type Scrub } from '../redaction.ts';
import type { ClientAuthentication } from './client-authentication/client-authentication.ts';
import { parseTokenResponse, type TokenResponse } from './token-response.ts';

/** Everything needed to talk to one token endpoint. */
export interface TokenEndpoint {
  readonly url: URL;
  readonly authentication: ClientAuthentication;
  /** Milliseconds until the whole exchange, body included, is given up. */
  readonly timeout: number;
  readonly fetch: typeof fetch;
  /** Removes the client's known secrets from any text an error keeps. */
  readonly scrub: Scrub;
}

/** No legitimate token response comes near this; a larger body is an error, not a memory hazard. */
export const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

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
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
    accept: 'application/json',
  });
  await endpoint.authentication.apply({ headers, body, endpoint: endpoint.url });

  const timeout = AbortSignal.timeout(endpoint.timeout);
  const where = endpointName(endpoint.url);
  const sentAt = Date.now();
  try {
    const response = await endpoint.fetch(endpoint.url, { method: 'POST', headers, body, redirect: 'manual', signal: timeout });
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status <= 399)) {
      await response.body?.cancel();
      throw new ApiError(
        `The token endpoint ${where} answered with a redirect (HTTP ${response.status}), which is not followed so that credentials reach only the configured URL. Set tokenUrl to the final URL.`,
        { statusCode: response.status, headers: response.headers, body: '' },
      );
    }
    const text = await readCapped(response, where);
    return { response: parseTokenResponse({ status: response.status, headers: response.headers, body: text }, endpoint.scrub), sentAt };
  } catch (error) {
    if (error instanceof OAuthCcgError) throw error;
    if (timeout.aborted) {
      throw new TimeoutError(`The token endpoint ${where} did not answer within ${endpoint.timeout} ms (the timeout option).`);
    }
    // A custom fetch may put anything in its message, the request's own headers included.
    throw new NetworkError(`The token request to ${where} failed: ${redactText(describe(error), endpoint.scrub)}.`);
  }
}

/** The endpoint as messages and events name it: without its query, which is the server's business and may carry anything. */
export function endpointName(url: URL): string {
  return url.origin + url.pathname;
}

async function readCapped(response: Response, where: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  const tooLarge = () =>
    new ApiError(`The token endpoint ${where} sent a body larger than ${MAX_TOKEN_RESPONSE_BYTES} bytes; it was not read.`, {
      statusCode: response.status,
      headers: response.headers,
      body: '',
    });
  if (declared > MAX_TOKEN_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (!response.body) return '';
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let text = '';
  let received = 0;
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    received += chunk.value.byteLength;
    if (received > MAX_TOKEN_RESPONSE_BYTES) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text + decoder.decode();
}

/** The failure's own words and code, without the error object: a `cause` chain could carry request details. */
function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (!(cause instanceof Error)) return String(cause);
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
}
