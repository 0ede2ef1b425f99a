import type { TokenLease } from '../token.ts';
import { unref } from './keep-alive.ts';
import type { TokenSource } from './token-source.ts';

/**
 * A source whose every request settles within `ms` milliseconds, with the error `timedOut` makes if it
 * does not. Behind a reusing source, a request that never settles (a user's provider waiting on a lost
 * database connection, say) would hold its callers, and every later caller who joins it, forever; bounded,
 * it fails like any other request, and the next caller starts a new one.
 *
 * What the overrunning request does later is ignored: its token is dropped, and its rejection is handled
 * here, so that it can never surface as an unhandled rejection.
 */
export function boundedTokenSource(source: TokenSource, ms: number, timedOut: () => Error): TokenSource {
  return {
    token: () =>
      new Promise<TokenLease>((resolve, reject) => {
        const pending = source.token();
        const timer = setTimeout(() => reject(timedOut()), ms);
        // The request's own work, if it has any, keeps the process alive; the deadline alone never does.
        unref(timer);
        // `then(resolve, reject)` always fulfils, so the `finally` chain can never reject unhandled.
        pending.then(resolve, reject).finally(() => clearTimeout(timer));
      }),
  };
}
