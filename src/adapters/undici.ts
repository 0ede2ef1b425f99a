// The client's token on undici's requests, by the same Authorizer as client.fetch: an interceptor for
// Dispatcher.compose. undici is only named as types here: the caller composes the interceptor into its own
// dispatcher, so this entry loads no copy of undici.
import type { Dispatcher } from 'undici';
import type { Client } from '../client/client.ts';
import type { ResponseHead } from '../protocol/bearer-challenge.ts';
import { AUTHORIZATION_HEADER, isReplayable, type AuthorizationHeaders, type RequestAuthorization } from '../transport/authorizer.ts';
import { clientAuthorizer } from './client-authorizer.ts';

/**
 * An undici interceptor (`dispatcher.compose(oauthInterceptor(client))`) that authorizes requests to
 * `client`'s API, as `client.fetch` does its own, for everything sent through that dispatcher:
 * `undici.request`, `undici.fetch` and any client given it as `dispatcher`.
 *
 * - A request to the origin of the client's `baseUrl` carries `Authorization: Bearer …` (with DPoP,
 *   `Authorization: DPoP …` and a fresh proof), set over any the caller gave. A request anywhere else is
 *   passed on untouched.
 * - Concurrent first calls share one token request; later calls use the held token without waiting.
 * - When the API refuses the token (a 401 `invalid_token`), one new token is fetched for all the calls it
 *   refused and each is sent again, once; a DPoP nonce the API asks for is answered the same way. The 401
 *   is then never seen by the caller. A body that is a stream or an iterable cannot be sent again: its 401
 *   is returned as it is. (`undici.fetch` hands every body to the dispatcher as a stream, so through it only
 *   requests without a body are sent again; `client.fetch` replays them all.)
 *
 * Redirects: give it before undici's redirect interceptor, `compose(oauthInterceptor(client),
 * interceptors.redirect(…))`, so that each hop comes through it and only a hop on the API's origin gets the
 * token. (The other way round undici itself drops `Authorization` at a hop to another origin, but not the DPoP proof.)
 *
 * @param client - A {@link Client} with `baseUrl`.
 * @throws {ConfigurationError} if the client has no `baseUrl`.
 *
 * @example
 * const dispatcher = new Agent().compose(oauthInterceptor(client), interceptors.redirect({ maxRedirections: 3 }));
 * const { statusCode, body } = await request('https://api.example.com/v2/things', { dispatcher });
 */
export function oauthInterceptor(client: Client): Dispatcher.DispatcherComposeInterceptor {
  const authorizer = clientAuthorizer(client, 'oauthInterceptor');
  return (dispatch) => (options, handler) => {
    const url = urlOf(options);
    if (url === undefined || !authorizer.authorizes(url)) return dispatch(options, handler);
    // undici.request passes its signal down with the options; fetch follows its own.
    const signal = (options as { signal?: unknown }).signal;
    const authorization = authorizer.authorize(options.method, url.href, signal instanceof AbortSignal ? signal : undefined);
    return new AuthorizedDispatch(dispatch, options, handler, authorization).start();
  };
}

/**
 * One authorized request through the dispatchers below: sent, and sent again when the Authorizer says so,
 * behind the one handler and controller the caller sees. A response that may be replayed is held back
 * (its body is a refusal's, a few bytes) until the Authorizer has decided.
 */
class AuthorizedDispatch implements Dispatcher.DispatchHandler {
  readonly #dispatch: Dispatcher.Dispatch;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #authorization: RequestAuthorization;
  readonly #replayable: boolean;
  readonly #controller = new CurrentAttempt();
  /** Whether the caller's handler has been told the request started: once, whatever the attempts. */
  #started = false;
  /** The URLs undici's redirect interceptor, when it runs below this one, has followed for this attempt. */
  #history: readonly unknown[] | undefined;
  #held: HeldResponse | undefined;

  constructor(dispatch: Dispatcher.Dispatch, options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, authorization: RequestAuthorization) {
    this.#dispatch = dispatch;
    this.#options = options;
    this.#handler = handler;
    this.#authorization = authorization;
    this.#replayable = isReplayable(options.body);
  }

  /** Sends the request with the authorization's next headers: at once when they are ready, which is the common case. */
  start(): boolean {
    const headers = this.#authorization.headers();
    if (!(headers instanceof Promise)) return this.#send(headers);
    headers.then((ready) => this.#send(ready)).catch((error: unknown) => this.#fail(error));
    // The dispatcher is not busy on this request's account: undici may send others meanwhile.
    return true;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.#controller.attempt = controller;
    this.#history = (context as { history?: readonly unknown[] } | undefined)?.history;
    if (this.#started) return;
    this.#started = true;
    this.#handler.onRequestStart?.(this.#controller, context);
  }

  onRequestUpgrade(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders, socket: UpgradeSocket): void {
    this.#handler.onRequestUpgrade?.(this.#controller, statusCode, headers, socket);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void {
    const history = this.#history;
    // After redirects followed below this interceptor, the URL that answered is the last one followed.
    const redirectedTo = history !== undefined && history.length > 1 ? String(history[history.length - 1]) : undefined;
    const replay = this.#authorization.replay(responseHead(statusCode, headers), this.#replayable, redirectedTo);
    if (replay === false) {
      this.#handler.onResponseStart?.(this.#controller, statusCode, headers, statusMessage);
      return;
    }
    // Handled now, so that a token error is never unhandled if this attempt fails before its end.
    replay.catch(() => {});
    this.#held = { replay, statusCode, headers, statusMessage, chunks: [] };
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#held) this.#held.chunks.push(chunk);
    else this.#handler.onResponseData?.(this.#controller, chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: ResponseHeaders): void {
    const held = this.#held;
    if (!held) {
      this.#handler.onResponseEnd?.(this.#controller, trailers);
      return;
    }
    this.#held = undefined;
    held.replay
      .then((again) => {
        if (again) this.start();
        else this.#deliver(held, trailers);
      })
      .catch((error: unknown) => this.#fail(error));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#held = undefined;
    this.#handler.onResponseError?.(this.#controller, error);
  }

  #send(headers: AuthorizationHeaders): boolean {
    return this.#dispatch({ ...this.#options, headers: withAuthorization(this.#options.headers, headers) }, this);
  }

  /** Hands on a response held back for a replay that did not happen. */
  #deliver(held: HeldResponse, trailers: ResponseHeaders): void {
    const handler = this.#handler;
    handler.onResponseStart?.(this.#controller, held.statusCode, held.headers, held.statusMessage);
    for (const chunk of held.chunks) handler.onResponseData?.(this.#controller, chunk);
    handler.onResponseEnd?.(this.#controller, trailers);
  }

  /** Ends the request with an error (no token to be had, or a dispatch that threw), as undici ends one. */
  #fail(error: unknown): void {
    this.#handler.onResponseError?.(this.#controller, error instanceof Error ? error : new Error(String(error)));
  }
}

/** Response headers as undici hands them over: lower-case names, a list for a repeated one. */
type ResponseHeaders = Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>[2];

type UpgradeSocket = Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>[3];

interface HeldResponse {
  readonly replay: Promise<boolean>;
  readonly statusCode: number;
  readonly headers: ResponseHeaders;
  readonly statusMessage: string | undefined;
  readonly chunks: Buffer[];
}

/**
 * The controller the caller's handler keeps for the whole request: each attempt has its own, and this one
 * acts on whichever is under way. A pause or an abort made between attempts applies to the next one.
 */
class CurrentAttempt implements Dispatcher.DispatchController {
  #attempt: Dispatcher.DispatchController | undefined;
  #paused = false;
  #abortReason: Error | undefined;

  set attempt(controller: Dispatcher.DispatchController) {
    this.#attempt = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason);
    else if (this.#paused) controller.pause();
  }

  get aborted(): boolean {
    return this.#abortReason !== undefined || (this.#attempt?.aborted ?? false);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#abortReason ?? this.#attempt?.reason ?? null;
  }

  get rawHeaders(): Dispatcher.DispatchController['rawHeaders'] {
    return this.#attempt?.rawHeaders;
  }

  get rawTrailers(): Dispatcher.DispatchController['rawTrailers'] {
    return this.#attempt?.rawTrailers;
  }

  abort(reason: Error): void {
    this.#abortReason = reason;
    this.#attempt?.abort(reason);
  }

  pause(): void {
    this.#paused = true;
    this.#attempt?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#attempt?.resume();
  }
}

/** The URL a dispatch goes to; `undefined` when its options name none. */
function urlOf(options: Dispatcher.DispatchOptions): URL | undefined {
  try {
    return new URL(options.path, options.origin);
  } catch {
    return undefined;
  }
}


/**
 * The caller's headers, in any of the forms undici takes, with the authorization headers set over any of
 * theirs: as a flat `[name, value, …]` list, which keeps repeated headers apart.
 */
function withAuthorization(headers: Dispatcher.DispatchOptions['headers'], authorization: AuthorizationHeaders): string[] {
  const flat: string[] = [];
  for (const [name, value] of headerEntries(headers)) {
    if (value === undefined || AUTHORIZATION_HEADER.test(name)) continue;
    for (const one of Array.isArray(value) ? value : [value]) flat.push(name, String(one));
  }
  flat.push('authorization', authorization.authorization);
  if (authorization.dpop !== undefined) flat.push('dpop', authorization.dpop);
  return flat;
}

function* headerEntries(headers: Dispatcher.DispatchOptions['headers']): Iterable<[string, unknown]> {
  if (headers === undefined || headers === null) return;
  if (Array.isArray(headers)) {
    // A flat [name, value, …] list, or a list of [name, value] pairs.
    if (Array.isArray(headers[0])) for (const [name, value] of headers as unknown as [unknown, unknown][]) yield [String(name), value];
    else for (let index = 0; index < headers.length; index += 2) yield [String(headers[index]), headers[index + 1]];
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, unknown]>) yield [String(name), value];
  } else {
    yield* Object.entries(headers);
  }
}

/** What the Authorizer reads of an undici response: its status, and its headers by name. */
function responseHead(status: number, headers: ResponseHeaders): ResponseHead {
  return {
    status,
    headers: {
      get(name) {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}
