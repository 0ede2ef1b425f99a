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
 * error) it gets a new token and replays the request once, if the body can be sent again.
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
      isTokenRejection(response) ? afterRefusal(token, response, send, replayable, signal) : response,
    );
  }

  async function afterRefusal(token: OAuthToken, response: Response, send: Send, replayable: boolean, signal: AbortSignal | undefined): Promise<Response> {
    // Dropped even when this request cannot be replayed, so that the next call does not fail the same way.
    tokens.invalidateToken(token);
    if (!replayable) return response;
    const renewed = await tokens.getToken({ signal });
    if (renewed.accessToken === token.accessToken) return response;
    await response.body?.cancel();
    return send(`Bearer ${renewed.accessToken}`);
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

  /** The common case, kept free of Request objects: a string or URL, and an init whose body can be re-sent unless it is a stream. */
  function fetchUrl(input: string | URL, init: RequestInit | undefined): Promise<Response> {
    const path = typeof input === 'string' ? pathUnderBase(input) : undefined;
    const url = path ?? input;
    const send: Send = (authorization) => withDeadline(init ?? NO_INIT, (deadline) => options.fetch(url, requestInit(init, authorization, deadline)));
    if (path === undefined && new URL(url).origin !== baseUrl.origin) return send(undefined);
    return authorized(send, !(init?.body instanceof ReadableStream), init?.signal ?? undefined);
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
    const streamed = init?.body instanceof ReadableStream;
    // Sending consumes a body; the first attempt gets a clone so the original stays whole for a replay.
    const first = send(request.body === null || streamed ? request : request.clone());
    let attempts = 0;
    return authorized((authorization) => (attempts++ === 0 ? first : send(request))(authorization), !streamed, request.signal);
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
