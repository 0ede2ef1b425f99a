import type { Emit } from '../events.ts';
import { challengeError, isTokenRejection } from '../protocol/bearer-challenge.ts';
import type { DpopSession } from '../protocol/dpop.ts';
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
  /** With DPoP, each request to the API carries a fresh proof bound to the token (RFC 9449 §7). */
  readonly dpop?: DpopSession | undefined;
  readonly emit?: Emit;
}

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** The headers that authorize one request: `Authorization`, and for a DPoP token its proof. */
export interface AuthorizationHeaders {
  readonly authorization: string;
  readonly dpop?: string;
}

/** One way of sending the same request again, each time with the headers it is given. */
type Send = (headers: AuthorizationHeaders | undefined) => Promise<Response>;

/**
 * A `fetch` that authorizes requests to the API: it adds `Authorization: Bearer` for the base URL's
 * origin (never for another), and when the API refuses the token (401 `invalid_token`, or 401 naming no
 * error, from the API's origin) it gets a new token and replays the request once, if the body can be sent again.
 * It resolves with the response whatever its status, and rejects only when no token can be had or the
 * request itself fails, exactly like `fetch`. Every request times out if its response headers do not arrive in time
 * (see {@link responseDeadline}).
 */
export function createAuthorizedFetch(options: AuthorizedFetchOptions): FetchFunction {
  const { baseUrl, tokens, timeout, dpop } = options;
  const prefix = baseUrl.href.replace(/\/+$/, '');

  const withDeadline = responseDeadline(timeout);

  /**
   * Sends with `token` and hands back the response, unless the API refused the token. Written with
   * `then` rather than `async`: this runs on every call, and an async function costs a promise and a turn more.
   */
  function sendWith(token: OAuthToken, call: Call): Promise<Response> {
    return sendToken(token, call).then((response) => (refusesToken(response, token) ? afterRefusal(token, response, call) : response));
  }

  /** Sends with `token`: as Bearer at once, or as DPoP with a fresh proof. */
  function sendToken(token: OAuthToken, call: Call): Promise<Response> {
    // A DPoP token exists only with a DPoP session (the token types accepted say so).
    if (token.tokenType !== 'DPoP' || !dpop) return call.send({ authorization: `Bearer ${token.accessToken}` });
    return sendDpop(dpop, token, call);
  }

  /**
   * RFC 9449 §7: a proof for this request, bound to the token by `ath`, with the API's nonce. The API's
   * nonce is kept from every response; one that comes with a 401 `use_dpop_nonce` is tried at once, once.
   */
  async function sendDpop(session: DpopSession, token: OAuthToken, call: Call): Promise<Response> {
    const url = new URL(call.url);
    const authorization = `DPoP ${token.accessToken}`;
    const nonceSent = session.nonceFor(url);
    let response = await call.send({ authorization, dpop: await session.proof(call.method, url, token.accessToken) });
    session.remember(url, response.headers);
    // Another nonce than the one sent: this call's own, or one a concurrent call brought meanwhile.
    const otherNonce = session.nonceFor(url) !== nonceSent;
    if (otherNonce && call.replayable && call.nonceRetries++ === 0 && dpopError(response) === 'use_dpop_nonce') {
      await discard(response);
      response = await call.send({ authorization, dpop: await session.proof(call.method, url, token.accessToken) });
      session.remember(url, response.headers);
    }
    if (dpopError(response) === 'invalid_dpop_proof') options.emit?.({ type: 'dpop-proof-rejected' });
    return response;
  }

  /**
   * A 401 that speaks of our token: from the API's origin, in the token's scheme. After a redirect to
   * another origin, fetch has already dropped the token, so that server's 401 says nothing about it.
   */
  function refusesToken(response: Response, token: OAuthToken): boolean {
    return (
      isTokenRejection(response, token.tokenType === 'DPoP' ? 'DPoP' : 'Bearer') &&
      (!response.redirected || new URL(response.url).origin === baseUrl.origin)
    );
  }

  async function afterRefusal(token: OAuthToken, response: Response, call: Call): Promise<Response> {
    // Dropped even when this request cannot be replayed, so that the next call does not fail the same way.
    tokens.invalidateToken(token);
    if (!call.replayable) return response;
    let renewed: OAuthToken;
    try {
      renewed = await tokens.getToken({ signal: call.signal });
    } catch (error) {
      // The caller gets the error, never this response: its body would hold the connection open.
      void discard(response);
      throw error;
    }
    if (renewed.accessToken === token.accessToken) return response;
    await discard(response);
    const replayed = await sendToken(renewed, call);
    // Reported, not replayed again: a fresh token refused too is what the token source's cool-down is for.
    if (refusesToken(replayed, renewed)) tokens.invalidateToken(renewed);
    return replayed;
  }

  function authorized(call: Call): Promise<Response> {
    const token = tokens.readyToken();
    if (token !== undefined) return sendWith(token, call);
    return tokens.getToken({ signal: call.signal }).then((fetched) => sendWith(fetched, call));
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
    const send: Send = (headers) => withDeadline(init ?? NO_INIT, (deadline) => options.fetch(url, requestInit(init, headers, deadline)));
    if (path === undefined && new URL(url).origin !== baseUrl.origin) return send(undefined);
    return authorized({ send, url, method: init?.method ?? 'GET', replayable: isReplayable(init?.body), signal: init?.signal ?? undefined, nonceRetries: 0 });
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
    if (new URL(request.url).origin !== baseUrl.origin) return send(request)(undefined);
    // The Request's own body is kept by a clone; a body given in `init` only if it can be read twice.
    const replayable = init?.body === undefined || isReplayable(init.body);
    // Sending consumes a body; the first attempt gets a clone so the original stays whole for a replay.
    const first = send(request.body === null || !replayable ? request : request.clone());
    let attempts = 0;
    const sendOnce: Send = (headers) => (attempts++ === 0 ? first : send(request))(headers);
    return authorized({ send: sendOnce, url: request.url, method: request.method, replayable, signal: request.signal, nonceRetries: 0 });
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

/** One call of the authorized fetch: how to send it (again), and what a proof and a replay need to know. */
interface Call {
  readonly send: Send;
  readonly url: string;
  readonly method: string;
  readonly replayable: boolean;
  readonly signal: AbortSignal | undefined;
  /** DPoP nonce replays made so far: at most one per call. */
  nonceRetries: number;
}

/** The error of the DPoP challenge of a 401, if any. */
function dpopError(response: Response): string | undefined {
  return response.status === 401 ? challengeError(response.headers.get('www-authenticate'), 'DPoP') : undefined;
}

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
