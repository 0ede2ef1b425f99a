import { isTokenRejection } from '../protocol/bearer-challenge.ts';
import type { OAuthToken } from '../token.ts';

/** What the transport needs from a token holder: golang/oauth2's TokenSource, plus a way to report a refused token. */
export interface TokenProvider {
  getToken(options: { signal?: AbortSignal }): Promise<OAuthToken>;
  invalidateToken(token: OAuthToken): boolean;
}

export interface AuthorizedFetchOptions {
  /** Relative inputs resolve against it, and only its origin ever receives the token. */
  readonly baseUrl: URL;
  readonly tokens: TokenProvider;
  readonly timeout: number;
  readonly fetch: typeof fetch;
}

/**
 * A `fetch` that authorizes requests to the API: it adds `Authorization: Bearer` for the base URL's
 * origin (never for another), and when the API refuses the token (401 `invalid_token`, or 401 naming no
 * error) it gets a new token and replays the request once, if the body can be sent again.
 * It resolves with the response whatever its status, and rejects only when no token can be had or the
 * request itself fails, exactly like `fetch`.
 */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const { baseUrl, tokens, timeout } = options;
  const prefix = baseUrl.href.replace(/\/+$/, '');

  return async (input, init) => {
    const target = typeof input === 'string' && !/^[a-z][a-z\d+.-]*:/i.test(input) ? `${prefix}/${input.replace(/^\/+/, '')}` : input;
    // A Request built once normalises every form of input and init; a clone is kept only if it may be replayed.
    const request = new Request(target, init);
    if (new URL(request.url).origin !== baseUrl.origin) return send(request);

    // Authorizing copies the request, so a bodiless one stays intact for a replay; only a body needs a clone.
    const spare = request.body === null ? request : isReplayable(input, init) ? request.clone() : undefined;
    const token = await tokens.getToken({ signal: request.signal });
    const response = await send(authorize(request, token));
    if (!isTokenRejection(response)) return response;

    // Dropped even when this request cannot be replayed, so that the next call does not fail the same way.
    tokens.invalidateToken(token);
    if (!spare) return response;
    const renewed = await tokens.getToken({ signal: request.signal });
    if (renewed.accessToken === token.accessToken) return response;
    await response.body?.cancel();
    return send(authorize(spare, renewed));
  };

  function send(request: Request): Promise<Response> {
    return options.fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(timeout)]) });
  }
}

function authorize(request: Request, token: OAuthToken): Request {
  const authorized = new Request(request);
  authorized.headers.set('authorization', `Bearer ${token.accessToken}`);
  return authorized;
}

/**
 * A body given as a stream can be read once only, so such a request is never replayed; every other body
 * (string, bytes, Blob, form data, search params, or a Request's own body) is kept by cloning.
 */
function isReplayable(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const body = init?.body ?? (input instanceof Request ? undefined : null);
  return !(body instanceof ReadableStream);
}
