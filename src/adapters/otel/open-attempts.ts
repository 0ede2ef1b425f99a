import type { Context } from '@opentelemetry/api';

/**
 * At most this many attempts are kept waiting for their end. The library reports no end for some (see
 * {@link OpenAttempts}); a client has one token request under way at a time, seldom a few.
 */
const MAX_OPEN_ATTEMPTS = 16;

/** What is known of a token request attempt when it starts: enough to measure and trace it once it ends. */
export interface AttemptStart {
  /** The token endpoint (origin and path). */
  readonly url: string;
  /** The attempt's number, from 1. */
  readonly attempt: number;
  /** Epoch milliseconds, with a fraction. */
  readonly startedAt: number;
  /** The trace context it started in: its span's parent. */
  readonly context: Context;
}

/**
 * Token request attempts started (`token-request`) whose end is not reported yet. The events carry no
 * request identifier, so an end is matched by order: the latest attempt open, and for a retry the latest
 * with the retried attempt's number. Within one client's token request this is exact. It is approximate only
 * when attempts overlap or never report an end — a `fetchToken()` called by the application reports its
 * retries but neither its success nor its final failure: such a last attempt is left open, is taken only by
 * an end that finds no later attempt open, and is forgotten beyond {@link MAX_OPEN_ATTEMPTS}. Taking the
 * latest, not the oldest, keeps one such attempt from shifting every later pairing by one.
 */
export class OpenAttempts {
  readonly #open: AttemptStart[] = [];

  start(attempt: AttemptStart): void {
    this.#open.push(attempt);
    if (this.#open.length > MAX_OPEN_ATTEMPTS) this.#open.shift();
  }

  /** Removes and returns the latest open attempt (numbered `attempt`, if given), or `undefined` if none is open. */
  take(attempt?: number): AttemptStart | undefined {
    for (let index = this.#open.length - 1; index >= 0; index--) {
      if (attempt === undefined || this.#open[index]!.attempt === attempt) return this.#open.splice(index, 1)[0];
    }
    return undefined;
  }
}
