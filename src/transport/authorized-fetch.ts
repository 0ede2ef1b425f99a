import { isTokenRejection } from '../protocol/bearer-challenge.ts';
import type { OAuthToken } from '../token.ts';
import { responseDeadline, type DeadlineInit } from './response-deadline.ts';

/** What the transport needs from a token holder: golang/oauth2's TokenSource, plus a way to report a refused token. */
export interface TokenProvider {
  /** The token to send now if one is held, sparing the common case a promise. */
  readyToken(): OAuthToken | undefined;
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

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One way of sending the same request again, each time with the headers it is given. */
type Send = (authorization: string | undefined) => Promise<Response>;

/**
 * A `fetch` that authorizes requests to the API: it adds `Authorization: Bearer` for the base URL's
 * origin (never for another), and when the API refuses the token (401 `invalid_token`, or 401 naming no
 * error, from the API's origin) it gets a new token and replays the request once, if the body can be sent again.
 * It resolves with the response whatever its status, and rejects only when no token can be had or the
 * request itself fails, exactly like `fetch`. Every request times out if its response headers do not arrive in time
 * (see {@link responseDeadline}).
 */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): FetchFunction {
  const { baseUrl, tokens, timeout } = options;
  const prefix = baseUrl.href.replace(/\/+$/, '');

  const withDeadline = responseDeadline(timeout);

  /**
   * Sends with `token` and hands back the response, unless the API refused the token. Written with
   * `then` rather than `async`: this runs on every call, and an async function costs a promise and a turn more.
   */
  function sendWith(token: OAuthToken, send: Send, replayable: boolean, signal: AbortSignal | undefined): Promise<Response> {
    return send(`Bearer ${token.accessToken}`).then((response) =>
      refusesToken(response) ? afterRefusal(token, response, send, replayable, signal) : response,
    );
  }

  /**
   * A 401 that speaks of our token: from the API's origin. After a redirect to another origin, fetch has
   * already dropped the token, so that server's 401 says nothing about it.
   */
  function refusesToken(response: Response): boolean {
    return isTokenRejection(response) && (!response.redirected || new URL(response.url).origin === baseUrl.origin);
  }

  async function afterRefusal(token: OAuthToken, response: Response, send: Send, replayable: boolean, signal: AbortSignal | undefined): Promise<Response> {
    // Dropped even when this request cannot be replayed, so that the next call does not fail the same way.
    tokens.invalidateToken(token);
    if (!replayable) return response;
    let renewed: OAuthToken;
    try {
      renewed = await tokens.getToken({ signal });
    } catch (error) {
      // The caller gets the error, never this response: its body would hold the connection open.
      void discard(response);
      throw error;
    }
    if (renewed.accessToken === token.accessToken) return response;
    await discard(response);
    const replayed = await send(`Bearer ${renewed.accessToken}`);
    // Reported, not replayed again: a fresh token refused too is what the token source's cool-down is for.
    if (refusesToken(replayed)) tokens.invalidateToken(renewed);
    return replayed;
  }

  function authorized(send: Send, replayable: boolean, signal: AbortSignal | undefined): Promise<Response> {
    const token = tokens.readyToken();
    if (token !== undefined) return sendWith(token, send, replayable, signal);
    return tokens.getToken({ signal }).then((fetched) => sendWith(fetched, send, replayable, signal));
  }

  /** A string naming no scheme is a path, appended to the base URL's own text so that its origin cannot differ; `undefined` for an absolute URL. */
  function pathUnderBase(input: string): string | undefined {
    // "/path", by far the commonest input, needs no regular expression.
    if (input.charCodeAt(0) === SLASH && input.charCodeAt(1) !== SLASH) return prefix + input;
    return SCHEME.test(input) ? undefined : `${prefix}/${input.replace(/^\/+/, '')}`;
  }

  /** The common case, kept free of Request objects: a string or URL, and an init. */
  function fetchUrl(input: string | URL, init: RequestInit | undefined): Promise<Response> {
    const path = typeof input === 'string' ? pathUnderBase(input) : undefined;
    // A URL object is read once, now, as fetch itself does: the caller may change it before the request
    // goes (after a wait for a token, or at a replay), and the origin checked must be the origin sent to.
    const url = path ?? (typeof input === 'string' ? input : input.href);
    const send: Send = (authorization) => withDeadline(init ?? NO_INIT, (deadline) => options.fetch(url, requestInit(init, authorization, deadline)));
    if (path === undefined && new URL(url).origin !== baseUrl.origin) return send(undefined);
    return authorized(send, isReplayable(init?.body), init?.signal ?? undefined);
  }

  /** A Request input: its body is kept by cloning, so it can be replayed. */
  function fetchRequest(input: Request, init: RequestInit | undefined): Promise<Response> {
    const request = new Request(input, init);
    const send = (original: Request): Send => (authorization) => {
      const copy = new Request(original);
      if (authorization) copy.headers.set('authorization', authorization);
      return withDeadline(original, (deadline) => options.fetch(copy, deadline as RequestInit));
    };
    if (new URL(request.url).origin !== baseUrl.origin) return send(request)(undefined);
    // The Request's own body is kept by a clone; a body given in `init` only if it can be read twice.
    const replayable = init?.body === undefined || isReplayable(init.body);
    // Sending consumes a body; the first attempt gets a clone so the original stays whole for a replay.
    const first = send(request.body === null || !replayable ? request : request.clone());
    let attempts = 0;
    return authorized((authorization) => (attempts++ === 0 ? first : send(request))(authorization), replayable, request.signal);
  }

  return (input, init) => {
    // Like fetch, it only ever rejects: an unparsable URL or Request init must not throw at the caller.
    try {
      return input instanceof Request ? fetchRequest(input, init) : fetchUrl(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * Whether fetch can send `body` again from the same init: text, form data and bytes can; a stream, an
 * async iterable or a Node `Readable` is consumed by the first send, and a replay would send it empty or fail.
 */
function isReplayable(body: RequestInit['body'] | undefined): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof FormData
  );
}

/** Cancels a response body the caller will never receive, which would otherwise hold its connection open. */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}

const SLASH = 0x2f;
const SCHEME = /^[a-z][a-z\d+.-]*:/i;
const NO_INIT: RequestInit = Object.freeze({});

/** The init of one request: the caller's, with `authorization` and the deadline's options. */
function requestInit(init: RequestInit | undefined, authorization: string | undefined, deadline: DeadlineInit): RequestInit {
  const headers = withAuthorization(init?.headers, authorization);
  // Without caller options, a literal: cheaper to build than spreads, and the same to fetch.
  if (init === undefined) return { headers, signal: deadline.signal, dispatcher: deadline.dispatcher } as RequestInit;
  return { ...init, headers, ...(deadline as RequestInit) };
}

/** The caller's headers with `authorization` set over any of theirs; a plain object when there are no others, the cheapest for fetch to read. */
function withAuthorization(headers: RequestInit['headers'], authorization: string | undefined): RequestInit['headers'] {
  if (headers === undefined) return authorization === undefined ? undefined : { authorization };
  const merged = new Headers(headers);
  if (authorization !== undefined) merged.set('authorization', authorization);
  return merged;
}
