import type { TokenLease } from '../token.ts';

/** When a held token stops being used, and when its renewal starts. Epoch milliseconds. */
export interface RenewalSchedule {
  /** After this instant the token is never sent: callers wait for a new one, or fail. */
  readonly usableUntil: number;
  /** From this instant one background renewal runs while callers go on using the token. */
  readonly renewAt: number;
}

/**
 * With no `oAuthClockSkew`, a token stops being used 10% of its lifetime before it expires, at least 1 s
 * and at most 10 s. The floor is there because servers count expiry in whole seconds from a truncated
 * issue time, so a "3-second" token can die after 2.1 s.
 */
const DEFAULT_MARGIN = { share: 0.1, min: 1_000, max: 10_000 };
/** Renewal starts when a third of the usable window is left, at most 5 minutes ahead, minus up to a quarter for jitter. */
const RENEWAL_LEAD = { share: 1 / 3, max: 300_000, jitter: 0.25 };

/**
 * Computes a token's schedule from its lifetime, so that a 5-second and a 24-hour token both renew with
 * room to spare. An explicit clock skew is honoured up to half the lifetime: a larger one would make a
 * fresh token unusable on arrival and turn every call into a token request.
 */
export function scheduleRenewal(lease: TokenLease, clockSkewSeconds: number | undefined, random: () => number): RenewalSchedule {
  const lifetime = Math.max(0, lease.expiresAt - lease.obtainedAt);
  const margin =
    clockSkewSeconds === undefined
      ? Math.min(Math.max(DEFAULT_MARGIN.min, Math.min(DEFAULT_MARGIN.max, lifetime * DEFAULT_MARGIN.share)), lifetime / 2)
      : Math.min(clockSkewSeconds * 1000, lifetime / 2);
  const usableUntil = lease.expiresAt - margin;
  const window = Math.max(0, usableUntil - lease.obtainedAt);
  // The jitter shortens the lead, never lengthens it, so that a fleet's renewals spread out but all stay early.
  const lead = Math.min(RENEWAL_LEAD.max, window * RENEWAL_LEAD.share) * (1 - RENEWAL_LEAD.jitter * random());
  return { usableUntil, renewAt: usableUntil - lead };
}

/**
 * How long to wait before renewing again after `failures` failed background renewals: exponential from
 * 1 s, jittered, and never more than half of what is left of the usable window so that several more
 * tries fit before the token runs out.
 */
export function renewalRetryDelay(failures: number, remaining: number, random: () => number): number {
  const exponential = 1000 * 2 ** Math.min(failures - 1, 8);
  return Math.max(0, Math.min(exponential, remaining / 2)) * (0.5 + 0.5 * random());
}
