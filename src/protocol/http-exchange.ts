import { ApiError, NetworkError, OAuthCcgError, TimeoutError } from '../errors.ts';
import { redactText, type Scrub } from '../redaction.ts';
import type { ClientAuthentication } from './client-authentication/client-authentication.ts';
import type { DpopSession } from './dpop.ts';
import type { RawResponse } from './token-response.ts';

/** How the library talks HTTP to an authorization server, whatever the endpoint. */
export interface HttpSettings {
  /** Milliseconds until the whole exchange, body included, is given up. */
  readonly timeout: number;
  readonly fetch: typeof fetch;
  /** Removes the client's known secrets from any text an error keeps. */
  readonly scrub: Scrub;
}

/** An endpoint the client authenticates to with a form POST: the token endpoint, the revocation endpoint. */
export interface AuthenticatedEndpoint extends HttpSettings {
  readonly url: URL;
  readonly authentication: ClientAuthentication;
  /** With DPoP, each request carries a fresh proof, and the server's nonces are kept (RFC 9449 §5, §8). */
  readonly dpop?: DpopSession | undefined;
}

/** No legitimate answer of an authorization server comes near this; a larger body is an error, not a memory hazard. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** How the messages of one kind of exchange name it, and what they advise when the server redirects. */
export interface ExchangeLabel {
  /** `'The token endpoint'`: followed by the URL in messages. */
  readonly server: string;
  /** `'The token request'`: followed by `to <URL> failed`. */
  readonly request: string;
  /** Why a redirect is not followed and what to configure instead: ends the redirect error's message. */
  readonly onRedirect: string;
  /** The class of the errors for answers that cannot be used (a redirect, a body over the cap). */
  readonly error: new (message: string, details: { statusCode: number; headers: Headers; body: string }) => ApiError;
}

/**
 * One authenticated form POST (RFC 6749 §2.3, §3.2): `body` with the client's authentication applied for
 * `endpoint.url`, answered in JSON. A single exchange, no retries. Redirects are not followed, so the
 * credentials only ever reach the configured URL. `readBody` says for which statuses the body is wanted;
 * another body is cancelled unread (RFC 7009 §2.2: a 200's content is to be ignored) and returned as `''`.
 */
export async function postForm(
  endpoint: AuthenticatedEndpoint,
  body: URLSearchParams,
  label: ExchangeLabel,
  readBody: (status: number) => boolean = () => true,
): Promise<RawResponse> {
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
    accept: 'application/json',
  });
  await endpoint.authentication.apply({ headers, body, endpoint: endpoint.url });
  const { dpop } = endpoint;
  if (dpop) headers.set('dpop', await dpop.proof('POST', endpoint.url));
  const response = await exchange(endpoint.url, { method: 'POST', headers, body }, endpoint, label, readBody);
  dpop?.remember(endpoint.url, response.headers);
  return response;
}

/** One GET for a JSON document, with the same limits and failures as {@link postForm}; nothing about the client is sent. */
export function getJson(url: URL, http: HttpSettings, label: ExchangeLabel): Promise<RawResponse> {
  return exchange(url, { method: 'GET', headers: new Headers({ accept: 'application/json' }) }, http, label, () => true);
}

/** The endpoint as messages and events name it: without its query, which is the server's business and may carry anything. */
export function endpointName(url: URL): string {
  return url.origin + url.pathname;
}

/**
 * The part every exchange shares: the timeout over the whole exchange, no redirects, the capped read,
 * and network failures as {@link NetworkError}/{@link TimeoutError} whose messages keep no secret.
 */
async function exchange(
  url: URL,
  init: { method: 'GET' | 'POST'; headers: Headers; body?: URLSearchParams },
  http: HttpSettings,
  label: ExchangeLabel,
  readBody: (status: number) => boolean,
): Promise<RawResponse> {
  const timeout = AbortSignal.timeout(http.timeout);
  const where = endpointName(url);
  try {
    const response = await http.fetch(url, { ...init, redirect: 'manual', signal: timeout });
    // A browser hides a manual redirect behind an opaque response of status 0.
    if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status <= 399)) {
      await response.body?.cancel();
      throw new label.error(`${label.server} ${where} answered with a redirect (HTTP ${response.status}), which is not followed ${label.onRedirect}`, {
        statusCode: response.status,
        headers: response.headers,
        body: '',
      });
    }
    if (!readBody(response.status)) {
      await response.body?.cancel();
      return { status: response.status, headers: response.headers, body: '' };
    }
    return { status: response.status, headers: response.headers, body: await readCapped(response, where, label) };
  } catch (error) {
    if (error instanceof OAuthCcgError) throw error;
    if (timeout.aborted) {
      throw new TimeoutError(`${label.server} ${where} did not answer within ${http.timeout} ms (the timeout option).`);
    }
    // A custom fetch may put anything in its message, the request's own headers included.
    throw new NetworkError(`${label.request} to ${where} failed: ${redactText(describe(error), http.scrub)}.`);
  }
}

async function readCapped(response: Response, where: string, label: ExchangeLabel): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  const tooLarge = () =>
    new label.error(`${label.server} ${where} sent a body larger than ${MAX_RESPONSE_BYTES} bytes; it was not read.`, {
      statusCode: response.status,
      headers: response.headers,
      body: '',
    });
  if (declared > MAX_RESPONSE_BYTES) {
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
    if (received > MAX_RESPONSE_BYTES) {
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
