import { InvalidTokenError } from '../errors.ts';
import type { OAuthEventListener } from '../events.ts';
import type { OAuthToken, TokenLease } from '../token.ts';
import { renewalRetryDelay, scheduleRenewal, type RenewalSchedule } from './renewal-schedule.ts';
import { abortable, type TokenSource } from './token-source.ts';

export interface ReusingTokenSourceOptions {
  /** Where new tokens come from. */
  readonly source: TokenSource;
  /** Names the source in error messages ("the token endpoint", "oAuthTokenProvider"). */
  readonly sourceName: string;
  /** A token to start from; it is kept (never dropped) even when it has expired. */
  readonly initial?: TokenLease;
  /** Seconds; see {@link scheduleRenewal}. */
  readonly clockSkew?: number;
  /** Called once for each token that differs from the one held before. */
  readonly onNewToken: (lease: TokenLease) => void;
  readonly emit: OAuthEventListener;
  readonly random?: () => number;
}

interface Held extends RenewalSchedule {
  readonly lease: TokenLease;
}

/**
 * Holds one token and hands it to every caller until it nears expiry (golang/oauth2's ReuseTokenSource,
 * with what it lacks):
 * - single flight: however many callers need a token at once, one request is made and all share it;
 * - renewal ahead of expiry: past `renewAt`, one caller starts a background renewal and every caller
 *   keeps the still-valid token, so in steady state no one waits for the token endpoint. Renewal is lazy
 *   (started by a call, never by a timer), so an idle client costs nothing and never holds a process open;
 * - a failed background renewal is retried with backoff while the token lasts; after `usableUntil` callers
 *   wait for a fresh token and get the error if there is none: no request ever goes out without a token;
 * - failures are never cached: the next call that needs a token tries again.
 */
export class ReusingTokenSource implements TokenSource {
  readonly #options: ReusingTokenSourceOptions;
  readonly #random: () => number;
  #held: Held | undefined;
  #pending: Promise<TokenLease> | undefined;
  #renewalFailures = 0;

  constructor(options: ReusingTokenSourceOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    if (options.initial) this.#held = this.#schedule(options.initial);
  }

  /** The token held now, valid or not; `undefined` before the first one. */
  get current(): OAuthToken | undefined {
    return this.#held?.lease.token;
  }

  /**
   * The token held, if it may be sent now, without waiting; past `renewAt` this also starts the one
   * background renewal.
   */
  ready(): TokenLease | undefined {
    const held = this.#held;
    const now = Date.now();
    if (held && now < held.usableUntil) {
      if (now >= held.renewAt && !this.#pending) {
        this.#options.emit({ type: 'renewal-started' });
        void this.#renew();
      }
      return held.lease;
    }
    return undefined;
  }

  /** A token that may be sent now. Aborting `signal` ends this caller's wait only. */
  token(signal?: AbortSignal): Promise<TokenLease> {
    const ready = this.ready();
    if (ready) return Promise.resolve(ready);
    this.#options.emit({ type: 'token-wait' });
    return abortable(this.#renew(), signal);
  }

  /**
   * Stops using `token` because the API refused it. Only the token held now is affected: when many
   * requests fail on one stale token, the first call drops it and the rest find a newer one.
   */
  invalidate(token: OAuthToken): boolean {
    const held = this.#held;
    if (!held || held.lease.token.accessToken !== token.accessToken || Date.now() >= held.usableUntil) return false;
    this.#held = { ...held, usableUntil: -Infinity, renewAt: -Infinity };
    this.#options.emit({ type: 'token-rejected' });
    return true;
  }

  #renew(): Promise<TokenLease> {
    if (!this.#pending) {
      const pending = this.#options.source
        .token()
        .then((lease) => this.#adopt(lease))
        .catch((error: unknown) => {
          this.#recordFailure(error);
          throw error;
        })
        .finally(() => {
          this.#pending = undefined;
        });
      // A background renewal, or a wait every caller abandoned, has no one to take the rejection.
      pending.catch(() => {});
      this.#pending = pending;
    }
    return this.#pending;
  }

  #adopt(lease: TokenLease): TokenLease {
    const held = this.#schedule(lease);
    if (Date.now() >= held.usableUntil) {
      throw new InvalidTokenError(
        `The token from ${this.#options.sourceName} expires at ${new Date(lease.expiresAt).toISOString()}, too soon to be used.`,
      );
    }
    const previous = this.#held?.lease.token;
    this.#held = held;
    this.#renewalFailures = 0;
    if (previous?.accessToken !== lease.token.accessToken) this.#options.onNewToken(lease);
    return lease;
  }

  #recordFailure(error: unknown): void {
    const held = this.#held;
    const now = Date.now();
    if (!held || now >= held.usableUntil) {
      this.#options.emit({ type: 'token-failed', error });
      return;
    }
    this.#renewalFailures += 1;
    const retryInMs = renewalRetryDelay(this.#renewalFailures, held.usableUntil - now, this.#random);
    this.#held = { ...held, renewAt: now + retryInMs };
    this.#options.emit({ type: 'renewal-failed', error, retryInMs });
  }

  #schedule(lease: TokenLease): Held {
    return { lease, ...scheduleRenewal(lease, this.#options.clockSkew, this.#random) };
  }
}
