import type { OAuthCcgError } from './errors.ts';

/** What a new token looks like in events: everything but the token itself. */
export interface TokenSummary {
  readonly tokenType: string;
  readonly expiresIn?: number;
  /** Unix seconds. */
  readonly expiry?: number;
  readonly scope?: string;
}

/**
 * Everything the library reports, through the `onEvent` option. Nothing is printed by default; route
 * these to a logger or a metrics system. Events never contain a secret or a token.
 */
export type OAuthEvent =
  /** An HTTP request to the token endpoint is about to be sent. `attempt` counts from 1. */
  | { readonly type: 'token-request'; readonly url: string; readonly attempt: number }
  /** A token request failed in a way that may pass; the next attempt follows after `delayMs`. */
  | { readonly type: 'token-request-retry'; readonly attempt: number; readonly delayMs: number; readonly error: OAuthCcgError }
  /** A new token is in use. `source` says where it came from. */
  | { readonly type: 'token-updated'; readonly source: 'endpoint' | 'provider'; readonly token: TokenSummary }
  /** A caller found no usable token and waits for a token request. In steady state, with renewal ahead of expiry, this never happens. */
  | { readonly type: 'token-wait' }
  /** The current token is near its expiry margin; a renewal runs in the background while it is still used. */
  | { readonly type: 'renewal-started' }
  /** A background renewal failed; the current token is still valid and is used while the renewal is retried. */
  | { readonly type: 'renewal-failed'; readonly error: unknown; readonly retryInMs: number }
  /** No valid token could be had: callers waiting for one get `error`. */
  | { readonly type: 'token-failed'; readonly error: unknown }
  /** The API refused the current token (HTTP 401); it is dropped and a new one is fetched. */
  | { readonly type: 'token-rejected' }
  /**
   * The API refused a token fetched moments ago to replace a refused one: it refuses every token, so
   * getting more would not help. For `retryInMs` its 401s are returned as they are, without a token
   * request; then one more new token is tried. Check the scopes and the audience (resource) the tokens
   * are issued for against what the API expects.
   */
  | { readonly type: 'token-rejected-repeatedly'; readonly retryInMs: number }
  /** A user callback threw or rejected. The library carried on; this is the only place the error shows. */
  | { readonly type: 'callback-error'; readonly callback: 'oAuthOnTokenUpdate'; readonly error: unknown };

/**
 * Receives events. It may be async (what it returns is ignored); what it throws or rejects with is dropped (a broken listener cannot be
 * told through itself). Events that its own synchronous calls into the library cause while it runs (a
 * `getToken()` in reply to `token-wait`, say) are not delivered to it: that would recurse without end.
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
