import { isReplayable, type Authorizer, type AuthorizationHeaders, type RequestAuthorization } from './authorizer.ts';
import { responseDeadline, type DeadlineInit } from './response-deadline.ts';

export interface AuthorizedFetchOptions {
  /** Relative inputs resolve against its base URL; it decides which requests carry the token and which are replayed. */
  readonly authorizer: Authorizer;
  readonly timeout: number;
  readonly fetch: typeof fetch;
}

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** One way of sending the same request again, each time with the headers it is given. */
type Send = (headers: AuthorizationHeaders | undefined) => Promise<Response>;

/**
 * A `fetch` that authorizes requests to the API by the {@link Authorizer}'s rules: the token for the base URL's
 * origin (never for another), and a replay when the API refuses the token or asks for a new DPoP nonce, if
 * the body can be sent again. It resolves with the response whatever its status, and rejects only when no
 * token can be had or the request itself fails, exactly like `fetch`. Every request times out if its
 * response headers do not arrive in time (see {@link responseDeadline}).
 */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): FetchFunction {
  const { authorizer, timeout } = options;
  const prefix = authorizer.baseUrl.href.replace(/\/+$/, '');

  const withDeadline = responseDeadline(timeout);

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
    const send: Send = (headers) => withDeadline(init ?? NO_INIT, (deadline) => options.fetch(url, requestInit(init, headers, deadline)));
    if (path === undefined && !authorizer.authorizes(url)) return send(undefined);
    return sendAuthorized(authorizer.authorize(init?.method ?? 'GET', url, init?.signal ?? undefined), isReplayable(init?.body), send);
  }

  /** A Request input: its body is kept by cloning, so it can be replayed. */
  function fetchRequest(input: Request, init: RequestInit | undefined): Promise<Response> {
    const request = new Request(input, init);
    const send = (original: Request): Send => (headers) => {
      const copy = new Request(original);
      if (headers) {
        copy.headers.set('authorization', headers.authorization);
        if (headers.dpop !== undefined) copy.headers.set('dpop', headers.dpop);
      }
      return withDeadline(original, (deadline) => options.fetch(copy, deadline as RequestInit));
    };
    if (!authorizer.authorizes(request.url)) return send(request)(undefined);
    // The Request's own body is kept by a clone; a body given in `init` only if it can be read twice.
    const replayable = init?.body === undefined || isReplayable(init.body);
    // Sending consumes a body; the first attempt gets a clone so the original stays whole for a replay.
    const first = send(request.body === null || !replayable ? request : request.clone());
    let attempts = 0;
    const sendOnce: Send = (headers) => (attempts++ === 0 ? first : send(request))(headers);
    return sendAuthorized(authorizer.authorize(request.method, request.url, request.signal), replayable, sendOnce);
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
 * Sends with the authorization's headers, and sends again, with new ones, while it says the response calls
 * for it. Written with `then` rather than `async`: this runs on every call, and an async function costs a
 * promise and a turn more.
 */
function sendAuthorized(authorization: RequestAuthorization, replayable: boolean, send: Send): Promise<Response> {
  const headers = authorization.headers();
  const sent = headers instanceof Promise ? headers.then(send) : send(headers);
  return sent.then((response) => {
    const replay = authorization.replay(response, replayable, response.redirected ? response.url : undefined);
    if (replay === false) return response;
    return replay.then(
      async (again) => {
        if (!again) return response;
        await discard(response);
        return sendAuthorized(authorization, replayable, send);
      },
      (error: unknown) => {
        // The caller gets the error, never this response: its body would hold the connection open.
        void discard(response);
        throw error;
      },
    );
  });
}

/** Cancels a response body the caller will never receive, which would otherwise hold its connection open. */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}

const SLASH = 0x2f;
const SCHEME = /^[a-z][a-z\d+.-]*:/i;
const NO_INIT: RequestInit = Object.freeze({});

/** The init of one request: the caller's, with the authorization headers and the deadline's options. */
function requestInit(init: RequestInit | undefined, authorization: AuthorizationHeaders | undefined, deadline: DeadlineInit): RequestInit {
  const headers = withAuthorization(init?.headers, authorization);
  // Without caller options, a literal: cheaper to build than spreads, and the same to fetch.
  if (init === undefined) return { headers, signal: deadline.signal, dispatcher: deadline.dispatcher } as RequestInit;
  return { ...init, headers, ...(deadline as RequestInit) };
}

/** The caller's headers with the authorization headers set over any of theirs; the authorization headers themselves (a plain object, the cheapest for fetch to read) when there are no others. */
function withAuthorization(headers: RequestInit['headers'], authorization: AuthorizationHeaders | undefined): RequestInit['headers'] {
  if (headers === undefined) return authorization as Record<string, string> | undefined;
  const merged = new Headers(headers);
  if (authorization !== undefined) for (const [name, value] of Object.entries(authorization)) merged.set(name, value);
  return merged;
}
