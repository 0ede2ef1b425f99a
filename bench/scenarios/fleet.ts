import { fileURLToPath } from 'node:url';
import { startFleet, type WorkerConfig, type WorkerReport } from '../../test/support/fleet.ts';
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.ts';
import { now, sleep } from '../clock.ts';
import type { Contender } from '../contenders/contender.ts';
import { describeError } from './calls.ts';
import { countWithin, latenciesWithin, mostRequestsAtOnePerRenewal, requestsPerRenewal, shortestRenewalIntervalMs } from './fleet-figures.ts';
import { newEnv, withTimeout, wordsRow, type Context, type Figure, type Row, type Scenario } from './scenario.ts';
import { percentile } from './stats.ts';

const TOKEN_LIFETIME_SECONDS = 3;
const TOKEN_LATENCY_MS = 100;
const API_LATENCY_MS = 10;
/**
 * Between one call's end and the next in each process: eight processes then leave two cores mostly idle,
 * so that the p99 compares what sharing costs a call, not a queue for the CPU.
 */
const PAUSE_MS = 10;
/** From the moment every process has made its first call to the window's start: the last start-ups (loading, connecting) are over. */
const SETTLE_MS = 2_000;
/** Beyond a fleet's start-up and window, so that a hang fails that fleet's row instead of the bench. */
const SLACK_MS = 60_000;
const RENEWAL_INTERVAL_MS = shortestRenewalIntervalMs(TOKEN_LIFETIME_SECONDS);
/** The workers load the built package, as every library in the bench runs as it is published (see the tsconfig). */
const PUBLISHED_BUILD = { TSX_TSCONFIG_PATH: fileURLToPath(new URL('../published-build.tsconfig.json', import.meta.url)) };

const FIGURES: Figure[] = [
  { key: 'tokenRequests', label: 'Token requests', format: 'count', comparable: false },
  { key: 'perRenewal', label: 'Token requests per renewal', format: 'ratio', comparable: false },
  { key: 'p99', label: 'p99', format: 'ms', comparable: false },
  { key: 'p99Ratio', label: 'p99 relative to 1 process', format: 'ratio', comparable: false },
  { key: 'calls', label: 'Calls in the window', format: 'count', comparable: false },
  { key: 'failed', label: 'Calls failed', format: 'count', comparable: false },
];

/** What one fleet did in its window, on the bench's clock. */
interface FleetWindow {
  from: number;
  to: number;
  reports: WorkerReport[];
  /** When each of the fleet's token requests reached the token endpoint. */
  tokenRequests: number[];
}

const processes = (size: number) => `${size} process${size === 1 ? '' : 'es'}`;

/**
 * A row of the table, as the report's other scenarios have one per library: the single process is the
 * baseline (role `floor`), the larger fleets are what the targets are set on (`subject`), and the fleet
 * whose Redis is killed is a `variant` of the largest.
 */
function fleetContender(name: string, role: Contender['role']): Contender {
  return {
    name,
    role,
    packages: ['oauth-ccg', 'redis'],
    usage: '',
    capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: true },
    create: () => Promise.reject(new Error('driven by the fleet scenario itself')),
  };
}

/**
 * Starts `size` processes sharing tokens through `redis` on a new client id, opens the window once their
 * start-up is over, runs `disturb` in it (for at most `windowMs`), and stops them when the window closes.
 */
async function runFleet(ctx: Context, redis: RedisServer, contender: Contender, size: number, windowMs: number, disturb: () => Promise<void>): Promise<FleetWindow> {
  await ctx.servers.control.clearRecords();
  const env = newEnv(ctx.servers, contender, 'fleet');
  const config: WorkerConfig = {
    store: { kind: 'redis', library: 'redis', url: redis.url },
    apiUrl: env.apiOrigin,
    tokenUrl: env.tokenUrl,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    pauseMs: PAUSE_MS,
  };
  const fleet = await startFleet(size, config, PUBLISHED_BUILD);
  let from: number;
  try {
    await sleep(SETTLE_MS);
    from = now();
    await disturb();
    await sleep(from + windowMs - now());
  } catch (error) {
    await fleet.stop().catch(() => {});
    throw error;
  }
  const to = now();
  const reports = await fleet.stop();
  const tokenRequests = (await ctx.servers.control.tokenRequests(env.clientId)).map((request) => request.arrivedAt);
  return { from, to, reports, tokenRequests };
}

/** The figures every row has; `p99Ratio` is filled in once the single process's p99 is known. */
function fleetRow(contender: Contender, { from, to, reports, tokenRequests }: FleetWindow): Row {
  const requests = countWithin(tokenRequests, from, to);
  const latencies = latenciesWithin(reports, from, to);
  const failed = reports.reduce((sum, report) => sum + report.failures, 0);
  const firstFailure = reports.flatMap((report) => report.failed)[0];
  return {
    contender,
    cells: {
      tokenRequests: requests,
      perRenewal: requestsPerRenewal(requests, to - from, RENEWAL_INTERVAL_MS),
      // Not a figure of the table: what the target on token requests per renewal compares with.
      allowedTokenRequests: mostRequestsAtOnePerRenewal(to - from, RENEWAL_INTERVAL_MS),
      p99: percentile(latencies, 99),
      calls: latencies.length,
      failed,
    },
    notes: firstFailure === undefined ? [] : [`${failed} calls failed, the first with "${firstFailure}"`],
  };
}

/** The largest fleet with Redis killed halfway through the window and restarted, empty, a quarter of the window later. */
async function redisKilledRow(ctx: Context, redis: RedisServer, contender: Contender, size: number, windowMs: number): Promise<Row> {
  let killedAt = NaN;
  let restartedAt = NaN;
  const window = await runFleet(ctx, redis, contender, size, windowMs, async () => {
    await sleep(windowMs / 2);
    await redis.kill();
    killedAt = now();
    await sleep(windowMs / 4);
    await redis.restart();
    restartedAt = now();
  });
  const row = fleetRow(contender, window);
  const phases = [
    ['before the kill', window.from, killedAt],
    ['while Redis was down', killedAt, restartedAt],
    ['after the restart', restartedAt, window.to],
  ] as const;
  const described = phases.map(([phase, from, to]) => {
    const requests = countWithin(window.tokenRequests, from, to);
    return `${requests} ${phase} (${requestsPerRenewal(requests, to - from, RENEWAL_INTERVAL_MS).toFixed(2)} per renewal)`;
  });
  // Kept as words for the target that reports them.
  row.cells.tokenRequestsByPhase = described.join(', ');
  row.notes.unshift(`token requests: ${row.cells.tokenRequestsByPhase}`);
  return row;
}

/**
 * Runs `measure` within the fleet's time; a fleet that fails or hangs becomes a row in words, so that the
 * other fleets and the rest of the bench go on.
 */
async function rowOf(contender: Contender, windowMs: number, measure: () => Promise<Row>): Promise<Row> {
  try {
    return await withTimeout(measure(), windowMs + SLACK_MS);
  } catch (error) {
    return wordsRow(contender, FIGURES, `failed: ${describeError(error)}`);
  }
}

/**
 * One token for a whole fleet. Fleets of processes, each a new Node process running the built package
 * with a RedisTokenStore over its own node-redis client (test/support/fleet-worker.ts), share one client id
 * and one redis-server of the bench's own; tokens are short, so the window holds many renewals.
 */
export const fleet: Scenario = {
  async run(ctx: Context) {
    const { fleetSizes, fleetSeconds } = ctx.profile;
    const windowMs = fleetSeconds * 1000;
    const largest = Math.max(...fleetSizes);
    await ctx.servers.control.configure({ tokenLatencyMs: TOKEN_LATENCY_MS, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, apiLatencyMs: API_LATENCY_MS, recordCalls: false });
    const redis = await startRedisServer();
    const rows: Row[] = [];
    try {
      for (const size of fleetSizes) {
        const contender = fleetContender(processes(size), size === 1 ? 'floor' : 'subject');
        ctx.log(`  ${contender.name}`);
        const undisturbed = async () => {};
        rows.push(await rowOf(contender, windowMs, async () => fleetRow(contender, await runFleet(ctx, redis, contender, size, windowMs, undisturbed))));
      }
      const killed = fleetContender(`${processes(largest)}, Redis killed halfway`, 'variant');
      ctx.log(`  ${killed.name}`);
      rows.push(await rowOf(killed, windowMs, () => redisKilledRow(ctx, redis, killed, largest, windowMs)));
    } finally {
      await redis.close();
      await ctx.servers.control.clearRecords();
    }
    const baseline = rows.find((row) => row.contender.role === 'floor')?.cells.p99;
    for (const row of rows) if (typeof row.cells.p99 === 'number') row.cells.p99Ratio = typeof baseline === 'number' ? row.cells.p99 / baseline : NaN;

    const interval = `${(RENEWAL_INTERVAL_MS / 1000).toFixed(2)} s`;
    return {
      id: 'fleet',
      title: 'Fleet',
      description: [
        `oauth-ccg alone, in fleets of ${fleetSizes.join(', ')} processes. Each process is a new Node process running the built package (\`test/support/fleet-worker.ts\`) whose client shares tokens through a \`RedisTokenStore\` over a node-redis client of its own; the processes of a fleet share one client id and one redis-server, which the bench starts on a free port. Each process makes one call at a time with \`client.fetch\` and pauses ${PAUSE_MS} ms between calls. Tokens live ${TOKEN_LIFETIME_SECONDS} s, the token endpoint takes ${TOKEN_LATENCY_MS} ms and the API ${API_LATENCY_MS} ms. The fleets run one after the other, each on a new client id; a fleet's window of ${fleetSeconds} s opens ${SETTLE_MS / 1000} s after every one of its processes has made its first call, so that start-up (loading, connecting, the first token) falls outside it.`,
        `*Token requests*: requests that reached the token endpoint in the window. *Token requests per renewal*: those requests divided by the renewal periods that elapsed in the window, a period being ${interval}, the earliest a client renews a ${TOKEN_LIFETIME_SECONDS}-second token after requesting it (its renewal point without the jitter, which only delays renewals). However many processes share the token, the first to reach its renewal point renews it for all: a fleet making one token request per renewal stays at about 1 or below (a single process, whose jitter spaces its renewals ${interval} or more apart, shows a little under 1), a fleet whose every process fetches its own token at about its number of processes. The target counts: a window of W seconds holds at most W / ${interval}, rounded down, plus one token requests at one per renewal.`,
        `*p99*: of the latencies of the calls that started in the window, all processes' pooled, each measured in its process around \`client.fetch\` and the reading of the body; *relative to 1 process*: divided by the single process's p99. Like the rollover's, it is the figure most exposed to other load on the machine. *Calls in the window*: the calls the p99 is taken over. *Calls failed*: of all the calls the processes made, their start-up included.`,
        `The last row is the largest fleet again, with Redis killed (SIGKILL) halfway through the window and restarted, empty, a quarter of the window later: while it is down each process falls back on its own token requests, and once it is back the processes share again. Its notes split its token requests between before the kill, while Redis was down and after the restart, each with its requests per renewal.`,
      ].join(' '),
      figures: FIGURES,
      rows,
    };
  },
};
