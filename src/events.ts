import type { OAuthCcgError } from './errors.ts';

/** What a new token looks like in events: everything but the token itself. */
export interface TokenSummary {
  /** The token type, `"Bearer"`. */
  readonly tokenType: string;
  /** The lifetime in seconds the authorization server announced (`expires_in`), if it announced one. */
  readonly expiresIn?: number;
  /** Unix seconds. */
  readonly expiry?: number;
  /** The scope the server granted, space-delimited, if it said. */
  readonly scope?: string;
}

/**
 * Everything the library reports, through the `onEvent` option. Nothing is printed by default; route
 * these to a logger or a metrics system. Events never contain a secret or a token.
 */
export type OAuthEvent =
  /** An HTTP request to the token endpoint is about to be sent. `attempt` counts from 1. */
  | {
      /** The event's kind. */
      readonly type: 'token-request';
      /** The token endpoint. */
      readonly url: string;
      /** The attempt about to be made, from 1. */
      readonly attempt: number;
    }
  /** A token request failed in a way that may pass; the next attempt follows after `delayMs`. */
  | {
      /** The event's kind. */
      readonly type: 'token-request-retry';
      /** The attempt that failed, from 1. */
      readonly attempt: number;
      /** Milliseconds until the next attempt. */
      readonly delayMs: number;
      /** Why the attempt failed. */
      readonly error: OAuthCcgError;
    }
  /** A new token is in use. `source` says where it came from. */
  | {
      /** The event's kind. */
      readonly type: 'token-updated';
      /**
       * The token endpoint, `oAuthTokenProvider`, or the shared `tokenStore` (another process, or another
       * client of this one, fetched it: `oAuthOnTokenUpdate` is called only where a token was fetched).
       */
      readonly source: 'endpoint' | 'provider' | 'store';
      /** The new token, without its value. */
      readonly token: TokenSummary;
    }
  /** A caller found no usable token and waits for a token request. In steady state, with renewal ahead of expiry, this never happens. */
  | {
      /** The event's kind. */
      readonly type: 'token-wait';
    }
  /** The current token is near its expiry margin; a renewal runs in the background while it is still used. */
  | {
      /** The event's kind. */
      readonly type: 'renewal-started';
    }
  /** A background renewal failed; the current token is still valid and is used while the renewal is retried. */
  | {
      /** The event's kind. */
      readonly type: 'renewal-failed';
      /** Why the renewal failed. */
      readonly error: unknown;
      /** Milliseconds until the renewal is tried again. */
      readonly retryInMs: number;
    }
  /** No valid token could be had: callers waiting for one get `error`. */
  | {
      /** The event's kind. */
      readonly type: 'token-failed';
      /** What the waiting callers are rejected with. */
      readonly error: unknown;
    }
  /** The API refused the current token (HTTP 401); it is dropped and a new one is fetched. */
  | {
      /** The event's kind. */
      readonly type: 'token-rejected';
    }
  /**
   * The API refused a token fetched moments ago to replace a refused one: it refuses every token, so
   * getting more would not help. For `retryInMs` its 401s are returned as they are, without a token
   * request; then one more new token is tried. Check the scopes and the audience (resource) the tokens
   * are issued for against what the API expects.
   */
  | {
      /** The event's kind. */
      readonly type: 'token-rejected-repeatedly';
      /** Milliseconds during which the API's 401s are returned without a token request. */
      readonly retryInMs: number;
    }
  /**
   * The API refused a DPoP proof (401 `invalid_dpop_proof`): a new token would not help, so the response
   * is returned as it is. The API's clock, its accepted algorithms or a proxy that rewrites URLs may be at fault.
   */
  | {
      /** The event's kind. */
      readonly type: 'dpop-proof-rejected';
    }
  /**
   * The shared `tokenStore` failed: it rejected, or did not answer within `tokenStoreTimeout`. The client
   * carries on without it (its own single flight, straight to the token endpoint) and tries it again a few
   * seconds later; no call fails because of it.
   */
  | {
      /** The event's kind. */
      readonly type: 'store-failed';
      /** The store method that failed. */
      readonly operation: 'get' | 'set' | 'setIfAbsent' | 'expireIf' | 'deleteIf' | 'watch';
      /** What it failed with. */
      readonly error: unknown;
    }
  /** The shared `tokenStore` answers again after a failure: tokens are shared again. */
  | {
      /** The event's kind. */
      readonly type: 'store-resumed';
    }
  /**
   * A value in the shared `tokenStore` could not be used and was ignored: it is not a sealed token, it was
   * sealed with another key (another `encryptionKey`, or a rotated client secret), or it is for another
   * token identity. The next token written replaces it; nothing of it is ever sent.
   */
  | {
      /** The event's kind. */
      readonly type: 'store-value-ignored';
      /** Why it could not be used. */
      readonly reason: 'malformed' | 'undecryptable' | 'foreign' | 'unusable-token';
    }
  /**
   * A server asked for a DPoP nonce (RFC 9449 §8, §9: 400 or 401 `use_dpop_nonce` with a `DPoP-Nonce`) and
   * the request was sent again at once with it. Frequent ones mean the server rotates nonces faster than the
   * client uses them.
   */
  | {
      /** The event's kind. */
      readonly type: 'dpop-nonce-retry';
      /** Who asked: the token endpoint, or the API. */
      readonly server: 'token-endpoint' | 'api';
    }
  /** A user callback threw or rejected. The library carried on; this is the only place the error shows. */
  | {
      /** The event's kind. */
      readonly type: 'callback-error';
      /** The callback that failed. */
      readonly callback: 'oAuthOnTokenUpdate';
      /** What it threw or rejected with. */
      readonly error: unknown;
    };

/**
 * Receives every {@link OAuthEvent} (the `onEvent` option). It may be async (what it returns is ignored);
 * what it throws or rejects with is dropped: a listener can never break a call, and a broken listener
 * cannot be told through itself. Events that its own synchronous calls into the library cause while it
 * runs (a `getToken()` in reply to `token-wait`, say) are not delivered to it: that would recurse without end.
 */
export type OAuthEventListener = (event: OAuthEvent) => unknown;

/** What the library calls: never throws, never rejects, never re-enters the listener. */
export type Emit = (event: OAuthEvent) => void;

/** Wraps a listener so that a listener that throws, rejects or calls back in can never break the operation that reported the event, nor the process. */
export function safeEmitter(listener: OAuthEventListener | undefined): Emit {
  if (!listener) return () => {};
  let delivering = false;
  const drop = () => {};
  return (event) => {
    if (delivering) return;
    delivering = true;
    try {
      const result = listener(event) as PromiseLike<unknown> | undefined;
      if (typeof result?.then === 'function') void Promise.resolve(result).then(undefined, drop);
    } catch {
      // Dropped, as is a rejection: see OAuthEventListener.
    } finally {
      delivering = false;
    }
  };
}
