import type { JWK } from 'jose';
import { now } from '../clock.ts';
import { Client } from '../contenders/oauth-ccg.ts';
import { statusOf, type Contender, type Env } from '../contenders/contender.ts';
import { apiPath } from '../servers/protocol.ts';
import { burst, describeError, failureNote, succeeded } from './calls.ts';
import { newEnv, withTimeout, wordsRow, type Context, type Figure, type Row, type Scenario } from './scenario.ts';
import { median } from './stats.ts';

const COLD_BURST_TOKEN_LATENCY_MS = 100;
/** Token requests made on each client before the rates are measured: jose loaded, the key imported, the connection open, the code warm. */
const WARMUP_TOKEN_REQUESTS = 50;
/** Far beyond what the scenario takes (seconds), so that a hang fails the scenario instead of the run. */
const TIMEOUT_MS = 180_000;

const FIGURES: Figure[] = [
  { key: 'tokenRequests', label: 'Cold burst: token requests', format: 'count' },
  { key: 'succeeded', label: 'Cold burst: calls that succeeded', format: 'count' },
  { key: 'rate', label: 'Token requests per second', format: 'rate' },
  { key: 'rateRatio', label: 'Rate relative to client_secret_basic', format: 'ratio', comparable: false },
  { key: 'timePerRequest', label: 'Time per token request', format: 'ms' },
];

type Method = 'private_key_jwt' | 'client_secret_basic';

/** oauth-ccg with each method: private_key_jwt is the subject; client_secret_basic is its baseline, measured in the same rounds. */
function variant(method: Method): Contender {
  return {
    name: `oauth-ccg, ${method}${method === 'private_key_jwt' ? ' (ES256)' : ''}`,
    role: method === 'private_key_jwt' ? 'subject' : 'floor',
    packages: ['oauth-ccg'],
    usage: '',
    capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: true },
    create: () => Promise.reject(new Error('driven by the private_key_jwt scenario itself')),
  };
}

function newClient(env: Env, method: Method, privateJwk: JWK): InstanceType<typeof Client> {
  const credentials = method === 'private_key_jwt'
    ? { oAuthClientId: env.clientId, oAuthPrivateKey: { ...privateJwk, kty: privateJwk.kty! }, oAuthScopes: [env.scope] }
    : { oAuthClientId: env.clientId, oAuthClientSecret: env.clientSecret, oAuthScopes: [env.scope] };
  return new Client({ baseUrl: env.apiOrigin, tokenUrl: env.tokenUrl, tokenEndpointAuthMethod: method, timeout: 10_000, clientCredentialsAuthCredentials: credentials });
}

/** Token requests per second, one after the other, made by `fetchToken` (which always asks the token endpoint) for `ms`. */
async function tokenRequestRate(client: InstanceType<typeof Client>, ms: number): Promise<number> {
  const start = now();
  let requests = 0;
  while (now() - start < ms) {
    await client.clientCredentialsAuthManager.fetchToken();
    requests += 1;
  }
  return (requests / (now() - start)) * 1000;
}

/**
 * 6: private_key_jwt (RFC 7523) against client_secret_basic, both through oauth-ccg. First the cold burst
 * with an assertion to sign (and jose to load) before the one token request. Then the cost of signing:
 * token requests one after the other, each method on one client, the two taking turns round by round
 * (A, B, then B, A, ...) so that drift in the machine's speed falls on both; the token endpoint verifies
 * every assertion (ES256 signature, audience, expiry, a jti never seen before).
 */
export const privateKeyJwt: Scenario = {
  async run(ctx: Context) {
    const { coldBurstCalls, signingMeasurementMs, signingRounds } = ctx.profile;
    const methods: Method[] = ['private_key_jwt', 'client_secret_basic'];
    let rows: Row[] = methods.map((method) => ({ contender: variant(method), cells: {}, notes: [] }));
    try {
      await withTimeout(measure(ctx, methods, rows), TIMEOUT_MS);
    } catch (error) {
      // In words in the table, like any library that fails a scenario, so that the rest of the run is kept.
      rows = rows.map((row) => wordsRow(row.contender, FIGURES, `failed: ${describeError(error)}`));
    }
    return {
      id: 'private-key-jwt',
      title: 'private_key_jwt',
      description: [
        `oauth-ccg with private_key_jwt (an ES256 key given as a JWK; jose signs a fresh assertion for every token request) against oauth-ccg with client_secret_basic, in the same run.`,
        `*Cold burst*: ${coldBurstCalls.toLocaleString('en')} calls started at once on a new client, the token endpoint taking ${COLD_BURST_TOKEN_LATENCY_MS} ms; *token requests* the endpoint received from that client, *calls that succeeded* answered 200 by the API.`,
        `*Token requests per second*: \`fetchToken()\` one request after the other on one client, for ${signingMeasurementMs} ms per measurement, ${signingRounds} measurements per method, the two methods taking turns; the token endpoint answers at once and verifies each assertion (signature, audience, expiry, jti never seen before). The median of the measurements; *rate relative to client_secret_basic* is the median of the rounds' ratios, and *time per token request* the median of each measurement's mean, signing and verifying included.`,
      ].join(' '),
      figures: FIGURES,
      rows,
    };
  },
};

/** Fills `rows` (one per method, in the order of `methods`) with the scenario's figures. */
async function measure(ctx: Context, methods: readonly Method[], rows: Row[]): Promise<void> {
  const { coldBurstCalls, signingMeasurementMs, signingRounds } = ctx.profile;
  const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const privateJwk = (await crypto.subtle.exportKey('jwk', privateKey)) as JWK;
  await ctx.servers.control.trustAssertionKey({ ...((await crypto.subtle.exportKey('jwk', publicKey)) as JWK), alg: 'ES256' });

  await ctx.servers.control.configure({ tokenLatencyMs: COLD_BURST_TOKEN_LATENCY_MS, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
  for (const [i, method] of methods.entries()) {
    ctx.log(`  cold burst, ${method}`);
    const env = newEnv(ctx.servers, rows[i]!.contender, 'pkjwt-cold');
    const client = newClient(env, method, privateJwk);
    const calls = await burst({ call: async (callId) => statusOf(await client.fetch(apiPath(callId))) }, coldBurstCalls, 'cold-');
    await client.close();
    Object.assign(rows[i]!.cells, { tokenRequests: (await ctx.servers.control.tokenRequests(env.clientId)).length, succeeded: calls.filter(succeeded).length });
    const failures = failureNote(calls);
    if (failures !== undefined) rows[i]!.notes.push(failures);
  }

  ctx.log('  token requests per second, private_key_jwt and client_secret_basic in turns');
  await ctx.servers.control.configure({ tokenLatencyMs: 0 });
  const clients = methods.map((method, i) => newClient(newEnv(ctx.servers, rows[i]!.contender, 'pkjwt-rate'), method, privateJwk));
  for (const client of clients) for (let request = 0; request < WARMUP_TOKEN_REQUESTS; request++) await client.clientCredentialsAuthManager.fetchToken();
  const rates: number[][] = methods.map(() => []);
  for (let round = 0; round < signingRounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) rates[i]!.push(await tokenRequestRate(clients[i]!, signingMeasurementMs));
  }
  await Promise.all(clients.map((client) => client.close()));
  await ctx.servers.control.clearRecords();

  // Each round's ratio compares two measurements made moments apart; the median of those resists drift.
  const ratios = rates[0]!.map((rate, round) => rate / rates[1]![round]!);
  for (const [i, row] of rows.entries()) {
    row.cells.rate = median(rates[i]!);
    row.cells.timePerRequest = median(rates[i]!.map((rate) => 1000 / rate));
    row.cells.rateRatio = i === 0 ? median(ratios) : 1;
  }
}
