import { burst, succeeded } from './calls.ts';
import { eachContender, scenarioNotes, unlessFixedToken, type Figure, type Scenario } from './scenario.ts';

const TOKEN_LATENCY_MS = 100;

const FIGURES: Figure[] = [
  { key: 'tokenRequests', label: 'Token requests', format: 'count', better: 'lower' },
  { key: 'succeeded', label: 'Calls that succeeded', format: 'count', better: 'higher' },
];

/** 1: many concurrent first calls on a new client, while its first token request is in flight. */
export const coldBurst: Scenario = {
  async run(ctx) {
    const calls = ctx.profile.coldBurstCalls;
    await ctx.servers.control.configure({ tokenLatencyMs: TOKEN_LATENCY_MS, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
    const rows = await eachContender(ctx, {
      scenarioId: 'cold',
      figures: FIGURES,
      inapplicable: unlessFixedToken,
      timeoutMs: 60_000,
      async measure(instance, env, contender) {
        const results = await burst(instance, calls, 'cold-');
        const tokenRequests = (await ctx.servers.control.tokenRequests(env.clientId)).length;
        return {
          cells: { tokenRequests, succeeded: results.filter(succeeded).length },
          notes: scenarioNotes(contender, ['reusesToken'], results),
        };
      },
    });
    return {
      id: 'cold-burst',
      title: 'Cold burst',
      description: `${calls.toLocaleString('en')} calls started at once on a new client, before it has a token. The token endpoint takes ${TOKEN_LATENCY_MS} ms, so every call starts while the first token request is in flight. *Token requests*: requests the token endpoint received from that client. *Calls that succeeded*: calls answered 200 by the API.`,
      figures: FIGURES,
      rows,
    };
  },
};
