// One token for a fleet: this program starts four worker processes (itself, with --worker), each a Client
// sharing its token through Redis. However many processes call, the fleet makes one token request.
// REDIS_URL names the Redis (default redis://127.0.0.1:6379); the other variables are those of every example.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { Client } from 'oauth-ccg';
import { RedisTokenStore } from 'oauth-ccg/redis';
import { environment } from './environment.ts';

const WORKERS = 4;
const CALLS_PER_WORKER = 25;

if (process.argv.includes('--worker')) {
  const redis = await createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }).connect();
  let fetched = 0;
  const client = new Client({
    baseUrl: environment.baseUrl,
    tokenUrl: environment.tokenUrl,
    tokenStore: new RedisTokenStore({ client: redis }),
    clientCredentialsAuthCredentials: { oAuthClientId: environment.clientId, oAuthClientSecret: environment.clientSecret },
    // Called only in the process that fetched the token; the others adopt it from Redis.
    onEvent: (event) => void (event.type === 'token-updated' && event.source !== 'store' && fetched++),
  });
  const statuses = await Promise.all(Array.from({ length: CALLS_PER_WORKER }, () => client.fetch('/whoami').then((response) => response.status)));
  await client.close();
  await redis.close();
  console.log(JSON.stringify({ ok: statuses.filter((status) => status === 200).length, fetched }));
} else {
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, () => promisify(execFile)(process.execPath, [...process.execArgv, process.argv[1]!, '--worker'])),
  );
  const reports = workers.map(({ stdout }) => JSON.parse(stdout) as { ok: number; fetched: number });
  console.log(`${WORKERS} processes, ${reports.reduce((sum, report) => sum + report.ok, 0)} calls answered 200`);
  console.log(`tokens fetched by the fleet: ${reports.reduce((sum, report) => sum + report.fetched, 0)}`);
}
