import type { Emit } from '../events.ts';
import { challengeError, isTokenRejection, type ResponseHead } from '../protocol/bearer-challenge.ts';
import type { DpopSession } from '../protocol/dpop.ts';
import type { OAuthToken } from '../token.ts';

/** The headers that carry the token and its proof: set by the Authorizer over a caller's own, and never sent off the API's origin. */
export const AUTHORIZATION_HEADER = /^(?:authorization|dpop)$/i;

/** What the Authorizer needs from a token holder: golang/oauth2's TokenSource, plus a way to report a refused token. */
export interface TokenProvider {
  /** The token to send now if one is held, sparing the common case a promise. */
  readyToken(): OAuthToken | undefined;
  getToken(options: { signal?: AbortSignal | undefined }): Promise<OAuthToken>;
  invalidateToken(token: OAuthToken): boolean;
}

export interface AuthorizerOptions {
  /** Only its origin ever receives the token. */
  readonly baseUrl: URL;
  readonly tokens: TokenProvider;
  /** With DPoP, each request to the API carries a fresh proof bound to the token (RFC 9449 §7). */
  readonly dpop?: DpopSession | undefined;
  readonly emit?: Emit | undefined;
}

/** The headers that authorize one request: `Authorization`, and for a DPoP token its proof. */
export interface AuthorizationHeaders {
  readonly authorization: string;
  readonly dpop?: string;
}

/**
 * The rules of an authorized request, kept in one place for every HTTP stack the client drives (`client.fetch`,
 * the axios and undici adapters): which URLs receive the token, the headers that carry it, and what a response
 * says about it. The stacks only send, and send again when told to.
 */
export class Authorizer {
  readonly baseUrl: URL;
  readonly #rules: Rules;

  constructor(options: AuthorizerOptions) {
    this.baseUrl = options.baseUrl;
    const origin = options.baseUrl.origin;
    this.#rules = {
      tokens: options.tokens,
      dpop: options.dpop,
      emit: options.emit,
      authorizes(url) {
        try {
          return (typeof url === 'string' ? new URL(url) : url).origin === origin;
        } catch {
          return false;
        }
      },
    };
  }

  /** Whether a request to `url` may carry the token: only the base URL's origin gets it, and a URL that does not parse goes nowhere. */
  authorizes(url: string | URL): boolean {
    return this.#rules.authorizes(url);
  }

  /** The authorization of one request to a URL it {@link authorizes}, for its first send and any replay. `signal` ends only its own wait for a token. */
  authorize(method: string, url: string, signal?: AbortSignal): RequestAuthorization {
    return new RequestAuthorization(this.#rules, method, url, signal);
  }
}

/** What every request's authorization shares: made once per client, so that a request costs one object. */
interface Rules {
  readonly tokens: TokenProvider;
  readonly dpop: DpopSession | undefined;
  readonly emit: Emit | undefined;
  authorizes(url: string | URL): boolean;
}

/**
 * One request's authorization, from its first send to its last replay. The stack sends the request with
 * {@link headers}, hands each response to {@link replay}, and sends again, with new headers, while it says so:
 * at most once for a new DPoP nonce and once for a new token, so a request is sent three times at most.
 */
export class RequestAuthorization {
  readonly #rules: Rules;
  readonly #method: string;
  readonly #url: string;
  readonly #signal: AbortSignal | undefined;
  /** `url` parsed, for DPoP only: a Bearer request never needs it. */
  #parsedUrl: URL | undefined;
  /** The token of the last headers made, and the one a replay is sent with. */
  #token: OAuthToken | undefined;
  /** The DPoP nonce the last proof carried: a 401 `use_dpop_nonce` is worth a replay only when the nonce has changed since. */
  #nonceSent: string | undefined;
  #nonceReplayed = false;
  #tokenReplayed = false;

  constructor(rules: Rules, method: string, url: string, signal: AbortSignal | undefined) {
    this.#rules = rules;
    this.#method = method;
    this.#url = url;
    this.#signal = signal;
  }

  /**
   * The headers for the next send: with the held token at once when there is one (Bearer headers then
   * come without a promise), else once a token is had. A DPoP token gets a fresh proof each time.
   */
  headers(): AuthorizationHeaders | Promise<AuthorizationHeaders> {
    const { tokens } = this.#rules;
    const token = this.#token ?? tokens.readyToken();
    if (token === undefined) return tokens.getToken({ signal: this.#signal }).then((fetched) => this.#headersWith(fetched));
    return this.#headersWith(token);
  }

  /**
   * What a response to the headers last made means: `false` when it is the caller's answer as it is, or a promise
   * of whether to send the request again with new {@link headers} (a rejection, with the token error, when
   * no new token can be had). `replayable`: whether the request's body can be sent again. `redirectedTo`: the
   * URL that answered, when the stack followed a redirect to get there.
   */
  replay(response: ResponseHead, replayable: boolean, redirectedTo?: string): false | Promise<boolean> {
    const { tokens, dpop, authorizes } = this.#rules;
    const token = this.#token!;
    const proven = token.tokenType === 'DPoP' && dpop !== undefined;
    if (proven && this.#answersDpop(dpop, response, replayable)) return REPLAY;
    // After a redirect to another origin the stack has dropped the token, so that server's 401 says nothing about it.
    if (!isTokenRejection(response, proven ? 'DPoP' : 'Bearer') || (redirectedTo !== undefined && !authorizes(redirectedTo))) return false;
    // Dropped even when this request cannot be replayed, so that the next call does not fail the same way.
    tokens.invalidateToken(token);
    // A fresh token refused too is reported, not replayed again: that is what the token source's cool-down is for.
    if (!replayable || this.#tokenReplayed) return false;
    this.#tokenReplayed = true;
    return tokens.getToken({ signal: this.#signal }).then((renewed) => {
      if (renewed.accessToken === token.accessToken) return false;
      this.#token = renewed;
      return true;
    });
  }

  #headersWith(token: OAuthToken): AuthorizationHeaders | Promise<AuthorizationHeaders> {
    this.#token = token;
    const { dpop } = this.#rules;
    // A DPoP token exists only with a DPoP session (the token types accepted say so).
    if (token.tokenType !== 'DPoP' || !dpop) return { authorization: `Bearer ${token.accessToken}` };
    // RFC 9449 §7: a proof for this request, bound to the token by `ath`, with the API's latest nonce.
    const url = (this.#parsedUrl ??= new URL(this.#url));
    this.#nonceSent = dpop.nonceFor(url);
    return dpop.proof(this.#method, url, token.accessToken).then((proof) => ({ authorization: `DPoP ${token.accessToken}`, dpop: proof }));
  }

  /**
   * Keeps the API's DPoP nonce from every response, and says whether this one asks for a replay with it: a
   * 401 `use_dpop_nonce` with another nonce than the one sent (this call's own, or one a concurrent call
   * brought meanwhile), tried at once, once.
   */
  #answersDpop(dpop: DpopSession, response: ResponseHead, replayable: boolean): boolean {
    const url = (this.#parsedUrl ??= new URL(this.#url));
    dpop.remember(url, response.headers);
    if (response.status !== 401) return false;
    const error = challengeError(response.headers.get('www-authenticate'), 'DPoP');
    if (error === 'invalid_dpop_proof') this.#rules.emit?.({ type: 'dpop-proof-rejected' });
    if (error !== 'use_dpop_nonce' || !replayable || this.#nonceReplayed || dpop.nonceFor(url) === this.#nonceSent) return false;
    this.#nonceReplayed = true;
    this.#rules.emit?.({ type: 'dpop-nonce-retry', server: 'api' });
    return true;
  }
}

const REPLAY: Promise<boolean> = Promise.resolve(true);

/**
 * Whether a request body can be sent again: text, form data and bytes can; a stream, an async iterable or a
 * Node `Readable` is consumed by the first send, and a replay would send it empty or fail.
 */
export function isReplayable(body: unknown): boolean {
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
