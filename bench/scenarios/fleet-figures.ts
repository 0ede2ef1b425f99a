/**
 * The fleet scenario's figures, from what its processes and the token endpoint saw: token requests per
 * renewal, how many a window may hold at one per renewal, and the calls of a window.
 */
import { scheduleRenewal } from '../../src/lifecycle/renewal-schedule.ts';

/** Start times and latencies of one process's calls, in the same order (a fleet worker's report). */
export interface CallTimes {
  readonly startedAt: readonly number[];
  readonly latencies: readonly number[];
}

/**
 * The shortest time from one token request to the next renewal of a token that lives `lifetimeSeconds`:
 * its renewal point without the jitter, which only ever delays a renewal. However many processes share
 * the token, the first of them to reach its renewal point renews it, and never earlier than this.
 */
export function shortestRenewalIntervalMs(lifetimeSeconds: number): number {
  const lease = { token: { accessToken: '', tokenType: 'Bearer' }, obtainedAt: 0, expiresAt: lifetimeSeconds * 1000 };
  return scheduleRenewal(lease, undefined, () => 0).renewAt;
}

/** Token requests divided by the renewal periods (of `intervalMs`) that elapsed in a span of `spanMs`. */
export function requestsPerRenewal(requests: number, spanMs: number, intervalMs: number): number {
  return requests / (spanMs / intervalMs);
}

/**
 * The most token requests a span can hold when each renewal makes one: requests at least `intervalMs`
 * apart, the first of them possibly at the span's very start.
 */
export function mostRequestsAtOnePerRenewal(spanMs: number, intervalMs: number): number {
  return Math.floor(spanMs / intervalMs) + 1;
}

/** How many of `instants` fall in the span [from, to). */
export function countWithin(instants: readonly number[], from: number, to: number): number {
  return instants.filter((instant) => instant >= from && instant < to).length;
}

/** The latencies of the calls, of every process, that started in [from, to), in ascending order. */
export function latenciesWithin(processes: readonly CallTimes[], from: number, to: number): number[] {
  return processes
    .flatMap(({ startedAt, latencies }) => latencies.filter((_, call) => startedAt[call]! >= from && startedAt[call]! < to))
    .sort((a, b) => a - b);
}
