import type { OAuthToken, TokenLease } from '../token.ts';

/**
 * Anything that can produce a token: the token endpoint, a user's token provider, a shared store.
 * Sources compose: a reusing source wraps a fetching source, a transport wraps a reusing source.
 */
export interface TokenSource {
  token(): Promise<TokenLease>;
  /** The token will not be used again (the API refused it, or it was revoked): a source that shares it stops sharing it. Never rejects. */
  discard?(token: OAuthToken): Promise<void>;
  /** Ends the source's waits (a wait under way rejects) and resolves once its background work has settled. */
  close?(): Promise<void>;
}

/**
 * Waits for `promise` unless `signal` aborts first, in which case only this wait ends (with the signal's
 * reason): the shared work behind the promise goes on for the other callers waiting on it.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
