// One process of a fleet: a Client sharing its tokens through the store named in FLEET_CONFIG, calling the
// API in a loop. It prints `ready` after its first call, and when its stdin says `stop` (or ends) it
// finishes, printing what it saw as one JSON line. Spawned by fleet.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type OAuthEvent, type TokenStore } from 'oauth-ccg';

export type FleetStore =
  | { readonly kind: 'redis'; readonly library: 'redis' | 'ioredis'; readonly url: string }
  | { readonly kind: 'file'; readonly directory: string }
  | { readonly kind: 'none' };

export interface WorkerConfig {
  readonly store: FleetStore;
  readonly apiUrl: string;
  readonly tokenUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The client's request timeout, which is also the lock's lease. */
  readonly timeout?: number;
  /** Milliseconds between one call's end and the next call. */
  readonly pauseMs: number;
}

export interface WorkerReport {
  readonly calls: number;
  readonly failures: number;
  /** The first few failures, described: what a failing test shows. */
  readonly failed: string[];
  /** Milliseconds of each call, in order. */
  readonly latencies: number[];
  readonly events: Partial<Record<OAuthEvent['type'], number>>;
}

const config = JSON.parse(process.env.FLEET_CONFIG ?? '{}') as WorkerConfig;
const { store, close } = await openStore(config.store);
const events: WorkerReport['events'] = {};
const client = new Client({
  baseUrl: config.apiUrl,
  tokenUrl: config.tokenUrl,
  ...(config.timeout !== undefined && { timeout: config.timeout }),
  tokenRequestAttempts: 1,
  ...(store && { tokenStore: store }),
  clientCredentialsAuthCredentials: { oAuthClientId: config.clientId, oAuthClientSecret: config.clientSecret },
  onEvent: (event) => void (events[event.type] = (events[event.type] ?? 0) + 1),
});

let stopping = false;
process.stdin.on('data', (chunk: Buffer) => void (chunk.toString().includes('stop') && (stopping = true)));
process.stdin.on('end', () => void (stopping = true));

const latencies: number[] = [];
const failed: string[] = [];
let failures = 0;
const fail = (what: string) => {
  failures++;
  if (failed.length < 5) failed.push(what);
};
for (; !stopping; await sleep(config.pauseMs)) {
  const callStarted = performance.now();
  try {
    const response = await client.fetch('/whoami');
    await response.arrayBuffer();
    if (response.status !== 200) fail(`HTTP ${response.status}`);
  } catch (error) {
    fail(String(error));
  }
  latencies.push(performance.now() - callStarted);
  if (latencies.length === 1) process.stdout.write('ready\n');
}
await client.close();
await close();
const report: WorkerReport = { calls: latencies.length, failures, failed, latencies, events };
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stdin.destroy();

async function openStore(spec: FleetStore): Promise<{ store: TokenStore | undefined; close: () => Promise<unknown> }> {
  if (spec.kind === 'file') {
    const { FileTokenStore } = await import('../../src/stores/file-token-store.ts');
    return { store: new FileTokenStore({ directory: spec.directory }), close: async () => {} };
  }
  if (spec.kind === 'redis') {
    const { RedisTokenStore } = await import('../../src/stores/redis-token-store.ts');
    // Reconnects quickly, as a service's client would be tuned to; errors are the store's to report.
    if (spec.library === 'redis') {
      const { createClient } = await import('redis');
      const redis = createClient({ url: spec.url, socket: { reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) } });
      redis.on('error', () => {});
      await redis.connect();
      return { store: new RedisTokenStore({ client: redis }), close: () => redis.close().catch(() => {}) };
    }
    const { Redis } = await import('ioredis');
    const redis = new Redis(spec.url, { retryStrategy: (times: number) => Math.min(50 * times, 500), maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    return { store: new RedisTokenStore({ client: redis }), close: async () => redis.disconnect() };
  }
  return { store: undefined, close: async () => {} };
}
