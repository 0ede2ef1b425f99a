import { now } from '../clock.ts';
import type { Contender, Instance } from '../contenders/contender.ts';
import type { Servers } from '../servers/control.ts';
import type { CallRecord } from '../servers/protocol.ts';
import { pool, succeeded, timedCall, type TimedCall } from './calls.ts';
import { scenarioNotes, withNewClient, wordsRow, type Figure, type Row, type Scenario } from './scenario.ts';
import { percentile } from './stats.ts';

const TOKEN_LATENCY_MS = 200;
const TOKEN_LIFETIME_SECONDS = 2;
const API_LATENCY_MS = 10;
const WARMUP_CALLS_PER_WORKER = 10;

const FIGURES: Figure[] = [
  { key: 'tokenRequests', label: 'Token requests', format: 'count', better: 'lower' },
  { key: 'p50', label: 'p50', format: 'ms' },
  { key: 'p99', label: 'p99', format: 'ms', better: 'lower' },
  { key: 'max', label: 'max', format: 'ms' },
  { key: 'waited', label: 'Calls that waited on a token request', format: 'count', better: 'lower' },
  { key: 'calls', label: 'Calls', format: 'count' },
];

/** One library's continuous window of calls. */
interface Window {
  calls: TimedCall[];
  tokenRequests: number;
  waited: number;
}

/**
 * A call waited on a token request when the token its (last) API request carried was issued after
 * the call began: that request could not leave before the token response had arrived. Calls the
 * API refused carry no valid token and are counted among the failures instead.
 */
function countWaited(calls: readonly TimedCall[], records: readonly CallRecord[]): number {
  const issuedAt = new Map(records.map((record) => [record.callId, record.tokenIssuedAt]));
  return calls.filter((call) => succeeded(call) && (issuedAt.get(call.callId) ?? NaN) > call.start).length;
}

async function callWindow(servers: Servers, instance: Instance, clientId: string, seconds: number, concurrency: number): Promise<Window> {
  // The cold start (first token, connection pool, JIT) is the cold burst's business: it happens
  // before the window, at full concurrency, so whichever library goes first is not penalised.
  let warmups = 0;
  await pool(concurrency, () => warmups++ < concurrency * WARMUP_CALLS_PER_WORKER, async () => void (await timedCall(instance, 'roll-warmup')));
  await servers.control.configure({ recordCalls: true });
  const calls: TimedCall[] = [];
  const start = now();
  const end = start + seconds * 1000;
  let next = 0;
  await pool(concurrency, () => now() < end, async () => {
    calls.push(await timedCall(instance, `roll-${next++}`));
  });
  await servers.control.configure({ recordCalls: false });
  const [tokenLog, records] = await Promise.all([servers.control.tokenRequests(clientId), servers.control.callRecords()]);
  return { calls, tokenRequests: tokenLog.filter((request) => request.arrivedAt >= start).length, waited: countWaited(calls, records) };
}

function toRow(contender: Contender, windows: readonly Window[]): Row {
  const calls = windows.flatMap((window) => window.calls);
  const latencies = calls.map((call) => call.end - call.start).sort((a, b) => a - b);
  const sum = (key: 'tokenRequests' | 'waited') => windows.reduce((total, window) => total + window[key], 0);
  return {
    contender,
    cells: {
      tokenRequests: sum('tokenRequests'),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
      waited: sum('waited'),
      calls: calls.length,
    },
    notes: scenarioNotes(contender, ['reusesToken'], calls),
  };
}

/**
 * 2: continuous calls across several token expiries, with a slow token endpoint. With more than one
 * pass, every pass puts each library on a new client for a window of its own, the order reversed
 * from one pass to the next, so that a burst of load from elsewhere on the machine does not fall
 * on one library's only window.
 */
export const rollover: Scenario = {
  async run(ctx) {
    const { rolloverSeconds: seconds, rolloverConcurrency: concurrency, rolloverPasses: passes } = ctx.profile;
    await ctx.servers.control.configure({ tokenLatencyMs: TOKEN_LATENCY_MS, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, apiLatencyMs: API_LATENCY_MS });
    const windows = new Map<Contender, Window[]>(ctx.contenders.map((contender) => [contender, []]));
    const failures = new Map<Contender, string>();
    for (let pass = 0; pass < passes; pass++) {
      const order = pass % 2 === 0 ? ctx.contenders : [...ctx.contenders].reverse();
      for (const contender of order.filter((c) => !failures.has(c))) {
        const outcome = await withNewClient(ctx, contender, 'roll', seconds * 1000 + 30_000, (instance, env) =>
          callWindow(ctx.servers, instance, env.clientId, seconds, concurrency),
        );
        if ('value' in outcome) windows.get(contender)!.push(outcome.value);
        else failures.set(contender, outcome.failure);
      }
    }
    const total = seconds * passes;
    return {
      id: 'rollover',
      title: 'Rollover',
      description: `${total} s of calls at concurrency ${concurrency} (each of ${concurrency} workers calls again as soon as its call ends)${passes > 1 ? `, as ${passes} continuous windows of ${seconds} s on a new client each, the libraries taking turns and the order reversed from one pass to the next` : ''}. Before a window, ${concurrency * WARMUP_CALLS_PER_WORKER} unmeasured calls give the client its first token. Tokens live ${TOKEN_LIFETIME_SECONDS} s, the token endpoint takes ${TOKEN_LATENCY_MS} ms and the API ${API_LATENCY_MS} ms. *Token requests*: requests that reached the token endpoint during the windows. *p50 / p99 / max*: call latency, measured around the library's call, failed calls included. *Calls that waited on a token request*: successful calls whose API request carried a token the token endpoint issued after the call had started, so the call could not have been sent before that token response arrived (server and bench compare times on the system's monotonic clock). *Calls*: calls made in the windows. p99 is the figure most exposed to other load on the machine: it moves by 10-20% between runs.`,
      figures: FIGURES,
      rows: ctx.contenders.map((contender) => {
        const failure = failures.get(contender);
        return failure === undefined ? toRow(contender, windows.get(contender)!) : wordsRow(contender, FIGURES, failure);
      }),
    };
  },
};
