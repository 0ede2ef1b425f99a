import { burst, succeeded } from './calls.ts';
import { eachContender, scenarioNotes, unlessFixedToken, type Figure, type Scenario } from './scenario.ts';

const TOKEN_LATENCY_MS = 100;

const FIGURES: Figure[] = [
  { key: 'tokenRequests', label: 'Token requests', format: 'count' },
  { key: 'succeeded', label: 'Calls that succeeded', format: 'count', better: 'higher' },
];

/** 3: the server revokes the token a client holds, then many concurrent calls all get a 401. */
export const storm: Scenario = {
  async run(ctx) {
    const calls = ctx.profile.stormCalls;
    const control = ctx.servers.control;
    await control.configure({ tokenLatencyMs: TOKEN_LATENCY_MS, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
    const rows = await eachContender(ctx, {
      scenarioId: 'storm',
      figures: FIGURES,
      inapplicable: unlessFixedToken,
      timeoutMs: 60_000,
      async measure(instance, env, contender) {
        const warmup = await instance.call('storm-warmup');
        if (warmup !== 200) throw new Error(`the call before the revocation got HTTP ${warmup}`);
        await control.clearRecords();
        await control.revokeAll();
        const results = await burst(instance, calls, 'storm-');
        const tokenRequests = (await control.tokenRequests(env.clientId)).length;
        return {
          cells: { tokenRequests, succeeded: results.filter(succeeded).length },
          notes: scenarioNotes(contender, ['reusesToken', 'retriesOn401'], results),
        };
      },
    });
    return {
      id: 'storm',
      title: '401 storm',
      description: `A client makes one successful call; then the server revokes every token it has issued and ${calls} calls start at once. Each gets \`401\` with \`WWW-Authenticate: Bearer error="invalid_token"\` for the revoked token. The token endpoint takes ${TOKEN_LATENCY_MS} ms. *Token requests*: requests from that client after the revocation. *Calls that succeeded*: of the ${calls}, those the library resolved with 200.`,
      figures: FIGURES,
      rows,
    };
  },
};
