import { InvalidTokenError } from '../errors.ts';
import type { Emit } from '../events.ts';
import type { OAuthToken, TokenLease } from '../token.ts';
import { CoolDown } from './cool-down.ts';
import { keepingAlive } from './keep-alive.ts';
import { renewalRetryDelay, scheduleRenewal, type RenewalSchedule } from './renewal-schedule.ts';
import { isPermanent } from './retry.ts';
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
  readonly emit: Emit;
  /** The error for calls made after {@link ReusingTokenSource.close}. */
  readonly closedError: () => Error;
  readonly random?: () => number;
}

interface Held extends RenewalSchedule {
  readonly lease: TokenLease;
  /** It was fetched to replace a token the API refused. */
  readonly replacesRefused: boolean;
  /** The API has refused it: it is never handed on, and refused again it is dropped. */
  readonly refused: boolean;
}

/** A replacement refused within this long of its arrival tells that the API refuses every token, not this one. */
const FRESH_REPLACEMENT_MS = 60_000;

/**
 * Holds one token and hands it to every caller until it nears expiry (golang/oauth2's ReuseTokenSource,
 * with what it lacks):
 * - single flight: however many callers need a token at once, one request is made and all share it;
 * - renewal ahead of expiry: past `renewAt`, one caller starts a background renewal and every caller
 *   keeps the still-valid token, so in steady state no one waits for the token endpoint. Renewal is lazy
 *   (started by a call, never by a timer), so an idle client costs nothing and never holds a process open;
 * - a failed background renewal is retried with backoff while the token lasts; after `usableUntil` callers
 *   wait for a fresh token and get the error if there is none: no request ever goes out without a token;
 * - failures are not cached, but a permanent one (invalid_client, say) is answered again at once to the
 *   callers of a short, growing cool-down, so that a loop of calls cannot hammer the endpoint;
 * - a token the API refuses is dropped, unless it was itself a fresh replacement for a refused one: an
 *   API that refuses every token gets a growing cool-down, not a token request per call.
 */
export class ReusingTokenSource implements TokenSource {
  readonly #options: ReusingTokenSourceOptions;
  readonly #random: () => number;
  #held: Held | undefined;
  #pending: Promise<TokenLease> | undefined;
  #renewalFailures = 0;
  /** The last permanent failure of a token request that callers waited for, answered again during its cool-down. */
  #permanentFailure: unknown;
  readonly #failureCoolDown = new CoolDown();
  readonly #refusalCoolDown = new CoolDown();
  /** The next token adopted replaces a refused one. */
  #replacingRefused = false;
  #closed = false;

  constructor(options: ReusingTokenSourceOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    if (options.initial) this.#held = this.#schedule(options.initial);
  }

  /** The token held now, valid or not; `undefined` before the first one. */
  get current(): OAuthToken | undefined {
    return this.#held?.lease.token;
  }

  /** The token held, if it is usable now and the API has not refused it: what may be handed to another client. */
  get transferable(): TokenLease | undefined {
    const held = this.#held;
    return held && !held.refused && Date.now() < held.usableUntil ? held.lease : undefined;
  }

  /**
   * The token held, if it may be sent now, without waiting; past `renewAt` this also starts the one
   * background renewal.
   */
  ready(): TokenLease | undefined {
    const held = this.#held;
    const now = Date.now();
    if (held && now < held.usableUntil && !this.#closed) {
      if (now >= held.renewAt && !this.#pending) {
        // Started before it is reported, so that a listener calling back in finds it under way.
        void this.#renew();
        this.#options.emit({ type: 'renewal-started' });
      }
      return held.lease;
    }
    return undefined;
  }

  /** A token that may be sent now. Aborting `signal` ends this caller's wait only. */
  token(signal?: AbortSignal): Promise<TokenLease> {
    const ready = this.ready();
    if (ready) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(this.#options.closedError());
    if (!this.#pending && this.#failureCoolDown.active(Date.now())) return Promise.reject(this.#permanentFailure);
    const renewal = this.#renew();
    this.#options.emit({ type: 'token-wait' });
    return keepingAlive(abortable(renewal, signal));
  }

  /**
   * Stops using `token` because the API refused it. Only the token held now is affected: when many
   * requests fail on one stale token, the first call drops it and the rest find a newer one. Returns
   * whether it was dropped; it is kept when the API refused its fresh replacement too (see the class).
   */
  invalidate(token: OAuthToken): boolean {
    const held = this.#held;
    const now = Date.now();
    if (!held || held.lease.token.accessToken !== token.accessToken || now >= held.usableUntil || this.#refusalCoolDown.active(now)) return false;
    if (held.replacesRefused && !held.refused && now - held.lease.obtainedAt < FRESH_REPLACEMENT_MS) {
      this.#held = { ...held, refused: true };
      const retryInMs = this.#refusalCoolDown.start(now);
      this.#options.emit({ type: 'token-rejected-repeatedly', retryInMs });
      return false;
    }
    if (!held.replacesRefused) this.#refusalCoolDown.reset();
    this.#held = { ...held, refused: true, usableUntil: -Infinity, renewAt: -Infinity };
    this.#replacingRefused = true;
    void this.#options.source.discard?.(token);
    this.#options.emit({ type: 'token-rejected' });
    return true;
  }

  /**
   * Stops using `token` because it was revoked: dropped if it is the one held, without the refusal
   * bookkeeping of {@link invalidate} (the API did not refuse it; the client gave it up).
   */
  async drop(token: OAuthToken): Promise<void> {
    const held = this.#held;
    if (held?.lease.token.accessToken !== token.accessToken) return;
    this.#held = { ...held, refused: true, usableUntil: -Infinity, renewAt: -Infinity };
    await this.#options.source.discard?.(token);
  }

  /** Starts no renewal from now on, and waits for the one under way, if any; calls that need a token are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    const closing = this.#options.source.close?.();
    await this.#pending?.catch(() => {});
    await closing;
  }

  #renew(): Promise<TokenLease> {
    if (!this.#pending) {
      // Recorded as pending before the source is called: a source (a user's provider) that calls back in
      // must find this renewal, not start another one, and another, without end.
      const pending = Promise.resolve()
        .then(() => this.#options.source.token())
        .then(
          (lease) => this.#adopt(lease),
          (error: unknown) => {
            this.#recordFailure(error);
            throw error;
          },
        )
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
    this.#replacingRefused = false;
    this.#renewalFailures = 0;
    this.#failureCoolDown.reset();
    if (previous?.accessToken !== lease.token.accessToken) this.#options.onNewToken(lease);
    return lease;
  }

  #recordFailure(error: unknown): void {
    const held = this.#held;
    const now = Date.now();
    if (!held || now >= held.usableUntil) {
      if (isPermanent(error)) {
        this.#permanentFailure = error;
        this.#failureCoolDown.start(now);
      }
      this.#options.emit({ type: 'token-failed', error });
      return;
    }
    this.#renewalFailures += 1;
    const retryInMs = renewalRetryDelay(this.#renewalFailures, held.usableUntil - now, this.#random);
    this.#held = { ...held, renewAt: now + retryInMs };
    this.#options.emit({ type: 'renewal-failed', error, retryInMs });
  }

  #schedule(lease: TokenLease): Held {
    return { lease, replacesRefused: this.#replacingRefused, refused: false, ...scheduleRenewal(lease, this.#options.clockSkew, this.#random) };
  }
}
