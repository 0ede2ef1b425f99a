// One token for a whole fleet: real worker processes sharing tokens through a real redis-server (started
// here, on a free port, with node-redis and with ioredis) and through a directory, against the real
// authorization server with 3-second tokens. Counted: token requests per renewal, failed calls.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { startFleet, startWorker, type FleetStore, type WorkerConfig, type WorkerReport } from './support/fleet.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';

const WORKERS = 8;
/** A 3-second token is renewed from 1.33 s after it was fetched (see renewal-schedule.ts). */
const RENEWAL_INTERVAL_MS = 1_333;

let server: AuthorizationServer;
let redis: RedisServer;
let directory: string;
before(async () => {
  [server, redis, directory] = await Promise.all([
    startAuthorizationServer({ shortTokenTtlSeconds: 3 }),
    startRedisServer(),
    mkdtemp(join(tmpdir(), 'oauth-ccg-fleet-')),
  ]);
});
after(async () => {
  await Promise.all([server?.close(), redis?.close(), rm(directory, { recursive: true, force: true })]);
});
beforeEach(() => {
  server.reset();
  server.setTokenEndpointDelay(0);
});

function config(store: FleetStore, overrides: Partial<WorkerConfig> = {}): WorkerConfig {
  return {
    store,
    apiUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    clientId: server.clients.shortLived.id,
    clientSecret: server.clients.shortLived.secret,
    pauseMs: 25,
    ...overrides,
  };
}

/** Every failed call's description (the first few of each process): empty when no call failed. */
const failures = (reports: readonly WorkerReport[]) => reports.flatMap((report) => report.failed);
const calls = (reports: readonly WorkerReport[]) => reports.reduce((sum, report) => sum + report.calls, 0);

/** At most one token request per renewal over `elapsedMs`, plus the first and one for timing's sake; unshared, eight processes make eight times as many. */
function assertOnePerRenewal(elapsedMs: number, label: string): void {
  const allowed = Math.ceil(elapsedMs / RENEWAL_INTERVAL_MS) + 2;
  assert.ok(server.tokenRequests.length <= allowed, `${label}: ${server.tokenRequests.length} token requests in ${elapsedMs} ms, at most ${allowed} allowed`);
}

const stores: [string, () => FleetStore][] = [
  ['Redis through node-redis', () => ({ kind: 'redis', library: 'redis', url: redis.url })],
  ['Redis through ioredis', () => ({ kind: 'redis', library: 'ioredis', url: redis.url })],
  ['a directory (FileTokenStore)', () => ({ kind: 'file', directory: join(directory, 'tokens') })],
];

for (const [name, store] of stores) {
  describe(`a fleet sharing through ${name}`, () => {
    test('eight processes calling for 20 s with 3-second tokens make one token request per renewal, and no call fails', async () => {
      const fleet = await startFleet(WORKERS, config(store()));
      server.reset();
      const started = Date.now();
      await sleep(20_000);
      const reports = await fleet.stop();
      assert.deepEqual(failures(reports), []);
      assert.ok(calls(reports) > WORKERS * 100);
      assertOnePerRenewal(Date.now() - started, name);
      assert.ok(server.tokenRequests.length >= 10, 'tokens were renewed');
    });

    test('a 401 storm on a revoked token makes one token request for the whole fleet', async () => {
      const fleet = await startFleet(WORKERS, config(store(), { clientId: server.clients.basic.id, clientSecret: server.clients.basic.secret }));
      await sleep(1_000);
      server.reset();
      await server.revokeAllTokens();
      await sleep(3_000);
      const reports = await fleet.stop();
      assert.deepEqual(failures(reports), []);
      assert.ok(server.apiRequests.some((request) => request.outcome === 'invalid_token'), 'the fleet met the revoked token');
      assert.equal(server.tokenRequests.length, 1);
    });
  });
}

describe('a fleet whose Redis fails', () => {
  for (const library of ['redis', 'ioredis'] as const) {
    test(`${library}: Redis killed mid-run fails no call; restarted, sharing resumes`, async () => {
      const fleet = await startFleet(WORKERS, config({ kind: 'redis', library, url: redis.url }));
      await sleep(3_000);
      await redis.kill();
      await sleep(4_000);
      await redis.restart();
      await sleep(3_000);
      server.reset();
      const measuredFrom = Date.now();
      await sleep(5_000);
      const reports = await fleet.stop();
      assert.deepEqual(failures(reports), []);
      assert.ok(reports.every((report) => (report.events['store-failed'] ?? 0) > 0), 'every process saw the store fail');
      assertOnePerRenewal(Date.now() - measuredFrom, `${library} after the restart`);
    });
  }

  test('a lock holder killed while it holds the lock is replaced within its lease', async () => {
    // The lease is one request timeout; the holder's token request takes most of it, long enough to die holding the lock.
    const lease = 8_000;
    const longLived = { timeout: lease, clientId: server.clients.basic.id, clientSecret: server.clients.basic.secret };
    const watcher = createClient({ url: redis.url });
    watcher.on('error', () => {});
    await watcher.connect();
    try {
      await watcher.flushAll();
      server.setTokenEndpointDelay(7_000);
      const holder = startWorker(config({ kind: 'redis', library: 'redis', url: redis.url }, longLived));
      let locks: string[] = [];
      for (const waitedFrom = Date.now(); locks.length === 0 && Date.now() - waitedFrom < 30_000; await sleep(50)) locks = await watcher.keys('*:lock');
      assert.equal(locks.length, 1, 'the first process took the lock');
      // A second process starts meanwhile, and waits for the holder.
      const successor = startWorker(config({ kind: 'redis', library: 'redis', url: redis.url }, longLived));
      await sleep(3_000);
      holder.process.kill('SIGKILL');
      const killedAt = Date.now();
      await assert.rejects(holder.stop());
      server.setTokenEndpointDelay(0);
      await successor.ready;
      const tookOverIn = Date.now() - killedAt;
      const report = await successor.stop();
      assert.deepEqual(report.failed, []);
      assert.ok(tookOverIn < lease + 1_500, `the successor's first call ended ${tookOverIn} ms after the holder died (lease ${lease} ms)`);
    } finally {
      await watcher.close();
    }
  });
});
