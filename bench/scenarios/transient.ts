import { pool, succeeded, timedCall, type TimedCall } from './calls.ts';
import { eachContender, scenarioNotes, unlessFixedToken, type Figure, type Scenario } from './scenario.ts';

const TOKEN_LATENCY_MS = 50;
const CONCURRENCY = 10;

const FIGURES: Figure[] = [
  { key: 'firstCall', label: 'First call (meets the 503)', format: 'text' },
  { key: 'tokenRequests', label: 'Token requests', format: 'count' },
  { key: 'failedAfter', label: 'Calls that failed after the recovery', format: 'count', better: 'lower' },
];

/** 4: the token endpoint answers 503 once, then works again. */
export const transient: Scenario = {
  async run(ctx) {
    const after = ctx.profile.transientCallsAfterRecovery;
    const control = ctx.servers.control;
    await control.configure({ tokenLatencyMs: TOKEN_LATENCY_MS, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
    const rows = await eachContender(ctx, {
      scenarioId: 'transient',
      figures: FIGURES,
      inapplicable: unlessFixedToken,
      timeoutMs: 60_000,
      async measure(instance, env, contender) {
        await control.failNextTokenRequests(1, 503);
        const first = await timedCall(instance, 'transient-first');
        if ((await control.pendingFailures()) !== 0) throw new Error('the first call made no token request');
        const later: TimedCall[] = [];
        let next = 0;
        await pool(CONCURRENCY, () => next < after, async () => {
          later.push(await timedCall(instance, `transient-${next++}`));
        });
        const tokenRequests = (await control.tokenRequests(env.clientId)).length;
        return {
          cells: {
            firstCall: succeeded(first) ? 'succeeded' : 'failed',
            tokenRequests,
            failedAfter: later.length - later.filter(succeeded).length,
          },
          notes: scenarioNotes(contender, ['retriesTokenRequest'], later),
        };
      },
    });
    return {
      id: 'transient',
      title: 'Transient failure',
      description: `On a new client, the token endpoint answers its first token request with 503 and every later one normally. One call meets the failure; once the endpoint has answered the 503 it has recovered, and ${after} more calls follow at concurrency ${CONCURRENCY}. *First call*: whether the call that met the 503 still succeeded (it can only if the library retries the token request). *Token requests*: all requests from that client, the failed one included. *Calls that failed after the recovery*: of the ${after} later calls, those not answered 200.`,
      figures: FIGURES,
      rows,
    };
  },
};
