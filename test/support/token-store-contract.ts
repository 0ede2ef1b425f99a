// The TokenStore contract as a suite any store runs: the memory, file and Redis stores, and a user's own.
// Keys follow the library's shape (`<digest>:token`, `<digest>:lock`); each test uses fresh keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TokenStore } from '../../src/stores/token-store.ts';

export interface ContractOptions {
  /** Some stores count time in whole milliseconds of their own clock: the margin the TTL tests leave. */
  readonly ttlSlackMs?: number;
}

/** Registers the contract's tests for the store `store()` returns (called once per test). */
export function tokenStoreContract(name: string, store: () => TokenStore, options: ContractOptions = {}): void {
  const slack = options.ttlSlackMs ?? 50;
  const key = (kind: string) => `${randomUUID().replaceAll('-', '')}:${kind}`;

  test(`${name}: get answers undefined for a key never set, and what set stored`, async () => {
    const s = store();
    const k = key('token');
    assert.equal(await s.get(k), undefined);
    await s.set(k, 'sealed-1', 10_000);
    assert.equal(await s.get(k), 'sealed-1');
    await s.set(k, 'sealed-2', 10_000);
    assert.equal(await s.get(k), 'sealed-2');
  });

  test(`${name}: a value is gone once its lifetime has passed`, async () => {
    const s = store();
    const k = key('token');
    await s.set(k, 'short', 150);
    assert.equal(await s.get(k), 'short');
    await sleep(150 + slack + 100);
    assert.equal(await s.get(k), undefined);
  });

  test(`${name}: setIfAbsent takes a free key once; the holder's value stays`, async () => {
    const s = store();
    const k = key('lock');
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => s.setIfAbsent(k, `owner-${i}`, 10_000)));
    assert.equal(outcomes.filter(Boolean).length, 1);
    const winner = outcomes.indexOf(true);
    assert.equal(await s.get(k), `owner-${winner}`);
  });

  test(`${name}: setIfAbsent succeeds again once the holder's lifetime has passed`, async () => {
    const s = store();
    const k = key('lock');
    assert.equal(await s.setIfAbsent(k, 'dead-holder', 150), true);
    assert.equal(await s.setIfAbsent(k, 'waiter', 10_000), false);
    await sleep(150 + slack + 100);
    assert.equal(await s.setIfAbsent(k, 'waiter', 10_000), true);
    assert.equal(await s.get(k), 'waiter');
  });

  test(`${name}: expireIf extends only the holder's own key`, async () => {
    const s = store();
    const k = key('lock');
    await s.setIfAbsent(k, 'holder', 300);
    assert.equal(await s.expireIf(k, 'someone-else', 10_000), false);
    assert.equal(await s.expireIf(k, 'holder', 10_000), true);
    await sleep(300 + slack + 100);
    assert.equal(await s.get(k), 'holder', 'the extended lease is still held');
    assert.equal(await s.expireIf(key('lock'), 'holder', 10_000), false, 'a key that holds nothing is not extended');
  });

  test(`${name}: deleteIf deletes only the value it is given`, async () => {
    const s = store();
    const k = key('token');
    await s.set(k, 'current', 10_000);
    assert.equal(await s.deleteIf(k, 'stale'), false);
    assert.equal(await s.get(k), 'current');
    assert.equal(await s.deleteIf(k, 'current'), true);
    assert.equal(await s.get(k), undefined);
    assert.equal(await s.deleteIf(k, 'current'), false);
  });

  test(`${name}: values of any length and characters are kept as they are`, async () => {
    const s = store();
    const k = key('token');
    const value = `v1.${'A'.repeat(8192)}.é\u2028"'\\{}[]`;
    await s.set(k, value, 10_000);
    assert.equal(await s.get(k), value);
    assert.equal(await s.deleteIf(k, value), true);
  });

  test(`${name}: watch, when offered, tells of a set until it is stopped`, async (t) => {
    const s = store();
    if (!s.watch) {
      t.skip('this store does not offer watch: waiters poll');
      return;
    }
    const k = key('token');
    let calls = 0;
    const stop = await s.watch(k, () => calls++);
    await sleep(50);
    await s.set(k, 'one', 10_000);
    for (let waited = 0; calls === 0 && waited < 2_000; waited += 20) await sleep(20);
    assert.ok(calls >= 1, 'the listener was called after set');
    stop();
    const before = calls;
    await s.set(k, 'two', 10_000);
    await sleep(200);
    assert.equal(calls, before, 'no call after stop');
  });
}
