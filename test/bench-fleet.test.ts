/**
 * The fleet scenario's counting: the target "one token request per renewal" is decided by these functions,
 * so they are checked against fleets simulated on paper, sharing and not sharing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countWithin, latenciesWithin, mostRequestsAtOnePerRenewal, requestsPerRenewal, shortestRenewalIntervalMs } from '../bench/scenarios/fleet-figures.ts';
import { scheduleRenewal } from '../src/lifecycle/renewal-schedule.ts';

const interval = shortestRenewalIntervalMs(3);

/** Token requests of one process renewing every `spacing` ms from `firstAt`, until `until`. */
const renewals = (firstAt: number, spacing: number, until: number): number[] =>
  Array.from({ length: Math.ceil((until - firstAt) / spacing) }, (_, i) => firstAt + i * spacing).filter((at) => at < until);

describe('the renewal interval of a 3-second token', () => {
  it('is no longer than the renewal point with any jitter, so that no fleet renews more often than it', () => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      const { renewAt } = scheduleRenewal({ token: { accessToken: 'a', tokenType: 'Bearer' }, obtainedAt: 0, expiresAt: 3000 }, undefined, () => random);
      assert.ok(renewAt >= interval, `jitter ${random}: renews at ${renewAt}`);
    }
    assert.ok(interval > 1000 && interval < 2000);
  });
});

describe('token requests per renewal', () => {
  const windowMs = 30_000;

  it('a fleet renewing as early as it can, from the window start on, fills the allowance exactly', () => {
    const requests = countWithin(renewals(0, interval, windowMs + 5_000), 0, windowMs);
    assert.equal(requests, mostRequestsAtOnePerRenewal(windowMs, interval));
  });

  it('one request in each renewal period is 1 per renewal', () => {
    assert.equal(requestsPerRenewal(12, 12 * interval, interval), 1);
  });

  it('a fleet sharing its token, renewed by whichever process comes first at each renewal, stays within it', () => {
    // The first process to reach its renewal point renews for all: spacings between the shortest and the longest jitter.
    const requests = renewals(-700, interval * 1.05, windowMs + 5_000);
    assert.ok(countWithin(requests, 0, windowMs) <= mostRequestsAtOnePerRenewal(windowMs, interval));
  });

  it('eight processes each fetching its own token make about eight per renewal, and exceed it', () => {
    const requests = Array.from({ length: 8 }, (_, process) => renewals(process * 97, interval * 1.1, windowMs)).flat();
    const inWindow = countWithin(requests, 0, windowMs);
    assert.ok(inWindow > mostRequestsAtOnePerRenewal(windowMs, interval));
    assert.ok(Math.abs(requestsPerRenewal(inWindow, windowMs, interval) - 8 / 1.1) < 0.5);
  });
});

describe('the calls of a window', () => {
  it('counts instants in [from, to): the start in, the end out', () => {
    assert.equal(countWithin([0, 5, 10, 15], 5, 15), 2);
  });

  it("pools the processes' latencies of the calls that started in the window, in ascending order", () => {
    const processes = [
      { startedAt: [0, 100, 200], latencies: [50, 12, 11] },
      { startedAt: [90, 150, 300], latencies: [40, 10, 13] },
    ];
    assert.deepEqual(latenciesWithin(processes, 100, 300), [10, 11, 12]);
  });
});
