// When a held token stops being used and when its renewal starts: pure functions, checked for any lifetime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { renewalRetryDelay, scheduleRenewal } from '../src/lifecycle/renewal-schedule.ts';

const lease = (lifetimeMs: number, obtainedAt = 1_000_000) => ({
  token: { accessToken: 'a', tokenType: 'Bearer' },
  obtainedAt,
  expiresAt: obtainedAt + lifetimeMs,
});

test('for any lifetime, skew and jitter: obtainedAt ≤ renewAt ≤ usableUntil ≤ expiresAt, and the skew is honoured', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 400 * 86_400_000 }),
      fc.option(fc.double({ min: 0, max: 100_000, noNaN: true }), { nil: undefined }),
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (lifetime, skew, random) => {
        const held = lease(lifetime);
        const { usableUntil, renewAt } = scheduleRenewal(held, skew, () => random);
        assert.ok(held.obtainedAt <= renewAt && renewAt <= usableUntil && usableUntil <= held.expiresAt);
        if (skew !== undefined && skew * 1000 <= lifetime / 2) assert.equal(usableUntil, held.expiresAt - skew * 1000);
        if (skew !== undefined) assert.ok(usableUntil >= held.obtainedAt + lifetime / 2, 'a fresh token is usable for half its life at least');
      },
    ),
    { numRuns: 2000 },
  );
});

test('renewal starts in proportion to the lifetime: a 5-second and a 24-hour token both renew with room to spare', () => {
  const middle = () => 0.5;
  const short = scheduleRenewal(lease(5_000), undefined, middle);
  assert.equal(short.usableUntil, 1_000_000 + 4_000, 'a 1 s margin for a 5 s token');
  assert.ok(short.renewAt > 1_000_000 + 2_000 && short.renewAt < 1_000_000 + 3_000);

  const day = scheduleRenewal(lease(86_400_000), undefined, middle);
  assert.equal(day.usableUntil, 1_000_000 + 86_400_000 - 10_000, 'the margin stops growing at 10 s');
  const lead = day.usableUntil - day.renewAt;
  assert.ok(lead > 200_000 && lead <= 300_000, `a day-long token renews minutes ahead, not hours (lead ${lead} ms)`);
});

test('jitter spreads renewals of identical tokens across a fleet', () => {
  const renewals = new Set(Array.from({ length: 20 }, () => scheduleRenewal(lease(3_600_000), undefined, Math.random).renewAt));
  assert.ok(renewals.size > 15);
  const earliest = scheduleRenewal(lease(3_600_000), undefined, () => 0).renewAt;
  const latest = scheduleRenewal(lease(3_600_000), undefined, () => 0.999).renewAt;
  assert.ok(latest - earliest > 60_000, 'jitter covers about a quarter of the lead');
});

test('a failed renewal is retried with growing delays that always fit in what is left of the token', () => {
  const delays = [1, 2, 3, 4, 5].map((failures) => renewalRetryDelay(failures, 3_600_000, () => 0.999));
  assert.ok(delays.every((delay, i) => i === 0 || delay > delays[i - 1]!), `not growing: ${delays.join(', ')}`);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 10_000_000 }), (failures, remaining) => {
      const delay = renewalRetryDelay(failures, remaining, Math.random);
      assert.ok(delay >= 0 && delay <= remaining / 2);
    }),
  );
});
