// `npm start`: the client against a real authorization server (oidc-provider) and a protected API,
// both on loopback. Nothing to configure. It prints what happened and doubles as a smoke check:
// it exits 1, saying which expectation failed, if the client does not behave as documented.
//
// `npm start -- --serve`: the same servers, kept running until Ctrl-C, with what the README's command-line
// walkthrough needs to reach them (the test client's id and secret are fixtures of this demo).
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type OAuthEvent } from 'oauth-ccg';
import { startAuthorizationServer } from '../test/support/authorization-server.ts';
import type { AuthorizationServer, RegisteredClient } from '../test/support/authorization-server.ts';

const SCOPES = ['read', 'write'];
const REUSE_CALLS = 20;
const RENEWAL_SECONDS = 5;
const RENEWAL_CONCURRENCY = 3;
const RENEWAL_PAUSE_MS = 20;
const BURST_CALLS = 500;

/** What one scenario did, as the summary table shows it. */
interface Row {
  readonly scenario: string;
  calls: number;
  tokenRequests: number;
  api401s: number;
  failures: number;
}

/** A new token as the client reported it (`token-updated` plus `oAuthOnTokenUpdate`), without the token. */
interface TokenNote {
  readonly fingerprint: string;
  readonly expiresIn: number | undefined;
  readonly scope: string | undefined;
  /** Epoch ms when the client adopted it. */
  readonly at: number;
}

/** Everything one client reported through `onEvent` and `oAuthOnTokenUpdate`. */
class Recorder {
  readonly events: OAuthEvent[] = [];
  readonly tokens: TokenNote[] = [];

  count(type: OAuthEvent['type']): number {
    return this.events.filter((event) => event.type === type).length;
  }

  /** Token requests sent but not yet answered (an answer is a new token, a retry notice or a failure). */
  get tokenRequestsInFlight(): number {
    const answered = ['token-updated', 'token-request-retry', 'renewal-failed', 'token-failed'] as const;
    return this.count('token-request') - answered.reduce((sum, type) => sum + this.count(type), 0);
  }

  onEvent = (event: OAuthEvent): void => {
    this.events.push(event);
    if (event.type === 'token-updated') {
      this.tokens.push({ fingerprint: '?', expiresIn: event.token.expiresIn, scope: event.token.scope, at: Date.now() });
    }
  };

  /** Called right after the matching `token-updated` event; keeps a hash of the token, never any part of it. */
  onTokenUpdate = (token: { accessToken: string }): void => {
    const note = this.tokens.at(-1);
    if (note) this.tokens[this.tokens.length - 1] = { ...note, fingerprint: `#${createHash('sha256').update(token.accessToken).digest('hex').slice(0, 8)}` };
  };
}

const rows: Row[] = [];
const problems: string[] = [];

function expect(condition: boolean, message: string): void {
  if (!condition) problems.push(message);
}

function heading(text: string): void {
  console.log(`\n${text}`);
}

function line(label: string, value: string): void {
  console.log(`   ${label.padEnd(16)} ${value}`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function lifetime(note: TokenNote | undefined): string {
  return note?.expiresIn === undefined ? 'unknown lifetime' : `lifetime ${note.expiresIn} s`;
}

function newClient(server: AuthorizationServer, registered: RegisteredClient, recorder: Recorder): Client {
  return new Client({
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    clientCredentialsAuthCredentials: {
      oAuthClientId: registered.id,
      oAuthClientSecret: registered.secret,
      oAuthScopes: SCOPES,
      oAuthOnTokenUpdate: recorder.onTokenUpdate,
    },
    onEvent: recorder.onEvent,
  });
}

/**
 * Runs one scenario and fills its row from the server's own records (token requests by this client,
 * API 401s) and from the calls' outcomes (a failure is a rejected call or a status other than 200).
 */
async function scenario(
  server: AuthorizationServer,
  name: string,
  registered: RegisteredClient,
  run: (call: (client: Client, path: string) => Promise<Response | undefined>) => Promise<void>,
): Promise<Row> {
  const row: Row = { scenario: name, calls: 0, tokenRequests: 0, api401s: 0, failures: 0 };
  const tokenRequestsBefore = server.tokenRequests.length;
  const apiRequestsBefore = server.apiRequests.length;
  const call = async (client: Client, path: string): Promise<Response | undefined> => {
    row.calls += 1;
    try {
      const response = await client.fetch(path);
      if (response.status !== 200) row.failures += 1;
      return response;
    } catch (error) {
      row.failures += 1;
      if (row.failures === 1) problems.push(`${name}: a call failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  await run(call);
  row.tokenRequests = server.tokenRequests.slice(tokenRequestsBefore).filter((r) => r.clientId === registered.id).length;
  row.api401s = server.apiRequests.slice(apiRequestsBefore).filter((r) => r.outcome === 'invalid_token' || r.outcome === 'missing_token').length;
  rows.push(row);
  return row;
}

/** Waits (briefly) until a background renewal started by the last call has been answered. */
async function settle(recorder: Recorder): Promise<void> {
  for (let waited = 0; recorder.tokenRequestsInFlight > 0 && waited < 3000; waited += 10) await sleep(10);
}

async function run(server: AuthorizationServer): Promise<void> {
  const { basic, shortLived } = server.clients;

  heading('1. Servers on loopback (oidc-provider and a protected API that checks its tokens)');
  line('token endpoint', server.tokenUrl);
  line('protected API', server.apiUrl);

  // 2 and 3: one client, first call then reuse.
  const main = new Recorder();
  const client = newClient(server, basic, main);

  heading('2. First call: the token is fetched on first use');
  let whoami: { clientId?: string; scope?: string } = {};
  const first = await scenario(server, 'first call', basic, async (call) => {
    const response = await call(client, '/whoami');
    if (response?.ok) whoami = (await response.json()) as typeof whoami;
  });
  const firstToken = main.tokens[0];
  line('calls', `${first.calls} → ${first.failures === 0 ? '200' : 'FAILED'}, API says client "${whoami.clientId}", scope "${whoami.scope}"`);
  line('token requests', `${first.tokenRequests}`);
  line('token', `${firstToken?.fingerprint} ${lifetime(firstToken)}, scope "${firstToken?.scope}"`);
  expect(first.failures === 0 && first.tokenRequests === 1, `first call: expected 1 successful call and 1 token request, got ${first.failures} failures and ${first.tokenRequests} token requests`);
  expect(whoami.scope === SCOPES.join(' '), `first call: expected the API to see scope "${SCOPES.join(' ')}", got "${whoami.scope}"`);

  heading(`3. Reuse: ${REUSE_CALLS} more calls, one after another`);
  const reuse = await scenario(server, 'reuse', basic, async (call) => {
    for (let i = 0; i < REUSE_CALLS; i += 1) await (await call(client, '/whoami'))?.body?.cancel();
  });
  line('calls', `${reuse.calls}, ${reuse.failures === 0 ? 'all 200' : `${reuse.failures} failed`}`);
  line('token requests', `${first.tokenRequests + reuse.tokenRequests} in total, ${reuse.tokenRequests} new: the first token is reused`);
  expect(reuse.failures === 0 && reuse.tokenRequests === 0, `reuse: expected ${REUSE_CALLS} successful calls and no token request, got ${reuse.failures} failures and ${reuse.tokenRequests} token requests`);

  // 4: a client whose tokens live 2 seconds, called without pause for a few seconds.
  heading(`4. Expiry and renewal: ${server.shortTokenTtlSeconds}-second tokens, calls for ${RENEWAL_SECONDS} s, ${RENEWAL_CONCURRENCY} at a time`);
  const short = new Recorder();
  const shortClient = newClient(server, shortLived, short);
  let slowestMs = 0;
  const renewal = await scenario(server, 'expiry and renewal', shortLived, async (call) => {
    const until = Date.now() + RENEWAL_SECONDS * 1000;
    const worker = async (): Promise<void> => {
      while (Date.now() < until) {
        const started = performance.now();
        await (await call(shortClient, '/whoami'))?.body?.cancel();
        slowestMs = Math.max(slowestMs, performance.now() - started);
        await sleep(RENEWAL_PAUSE_MS);
      }
    };
    await Promise.all(Array.from({ length: RENEWAL_CONCURRENCY }, worker));
    await settle(short);
  });
  const renewals = short.count('renewal-started');
  // `token-wait`: a call found no usable token and waited for the token endpoint. Only the first calls should.
  const firstTokenAt = short.events.findIndex((event) => event.type === 'token-updated');
  const firstTokenIndex = firstTokenAt === -1 ? short.events.length : firstTokenAt;
  const initialWaits = short.events.slice(0, firstTokenIndex).filter((event) => event.type === 'token-wait').length;
  const laterWaits = short.events.slice(firstTokenIndex).filter((event) => event.type === 'token-wait').length;
  const rejected = short.count('token-rejected');
  // How long before the old token's expiry (as the client computes it) each new token arrived.
  const leads = short.tokens.slice(1).map((note, i) => {
    const previous = short.tokens[i];
    return previous?.expiresIn === undefined ? NaN : previous.at + previous.expiresIn * 1000 - note.at;
  });
  const lifetimes = [...new Set(short.tokens.map((note) => note.expiresIn))].map((s) => `${s} s`).join(', ');
  line('calls', `${renewal.calls}, ${renewal.failures === 0 ? 'all 200' : `${renewal.failures} failed`}; slowest ${Math.round(slowestMs)} ms`);
  line('token requests', `${renewal.tokenRequests}: ${plural(short.tokens.length, 'token')}, each with lifetime ${lifetimes}`);
  const [soonest, earliest] = [Math.min(...leads), Math.max(...leads)].map((ms) => (ms / 1000).toFixed(1));
  const lead = soonest === earliest ? `${soonest} s` : `${soonest}–${earliest} s`;
  line('renewals', `${renewals}, all in the background, done ${lead} before the old token expired`);
  line('waits', `${initialWaits} calls waited for the first token, ${laterWaits} waited after that`);
  line('API 401s', renewal.api401s === 0 ? '0: no call ever carried an expired token' : `${renewal.api401s} (the client replaced ${plural(rejected, 'rejected token')} and replayed)`);
  expect(renewal.failures === 0, `expiry and renewal: ${renewal.failures} of ${renewal.calls} calls failed`);
  expect(renewal.tokenRequests >= 2, `expiry and renewal: expected the token to be renewed, got ${renewal.tokenRequests} token requests`);
  expect(renewals === renewal.tokenRequests - 1, `expiry and renewal: expected every renewal after the first token to start in the background, got ${renewals} background renewals for ${renewal.tokenRequests} token requests`);
  expect(laterWaits === 0, `expiry and renewal: expected no call to wait for a token once the first one was held, ${laterWaits} did`);
  expect(renewal.api401s === 0, `expiry and renewal: expected no 401 (renewal ahead of expiry), the API answered ${renewal.api401s}`);

  // 5: the server revokes the token the client holds; the next call gets a 401 and is replayed.
  heading('5. 401 recovery: the server revokes every token, then 1 call');
  await server.revokeAllTokens();
  const tokensBefore = main.tokens.length;
  let recoveredStatus = 0;
  const recovery = await scenario(server, '401 recovery', basic, async (call) => {
    const response = await call(client, '/whoami');
    recoveredStatus = response?.status ?? 0;
    await response?.body?.cancel();
  });
  const newToken = main.tokens[tokensBefore];
  line('API answers', `${recovery.api401s === 1 ? '401' : `${recovery.api401s} × 401`}, then ${recoveredStatus} after the client replayed the call with a new token`);
  line('token requests', `${recovery.tokenRequests}: ${firstToken?.fingerprint} → ${newToken?.fingerprint} ${lifetime(newToken)}`);
  expect(recoveredStatus === 200 && recovery.failures === 0, `401 recovery: expected the call to end with 200, got ${recoveredStatus}`);
  expect(recovery.api401s === 1 && recovery.tokenRequests === 1, `401 recovery: expected 1 API 401 and 1 token request, got ${recovery.api401s} and ${recovery.tokenRequests}`);
  expect(main.count('token-rejected') === 1, `401 recovery: expected 1 token-rejected event, got ${main.count('token-rejected')}`);

  // 6: a fresh client with no token, called many times at once.
  heading(`6. Burst: a new client, ${BURST_CALLS} concurrent first calls`);
  const burstRecorder = new Recorder();
  const burstClient = newClient(server, basic, burstRecorder);
  const burstStarted = performance.now();
  const burst = await scenario(server, 'burst', basic, async (call) => {
    await Promise.all(Array.from({ length: BURST_CALLS }, async () => (await call(burstClient, '/whoami'))?.body?.cancel()));
  });
  const burstMs = performance.now() - burstStarted;
  line('calls', `${burst.calls}, ${burst.failures === 0 ? 'all 200' : `${burst.failures} failed`}, in ${Math.round(burstMs)} ms`);
  line('token requests', `${burst.tokenRequests}: every call waited for the same one (${lifetime(burstRecorder.tokens[0])})`);
  expect(burst.failures === 0, `burst: ${burst.failures} of ${burst.calls} calls failed`);
  expect(burst.tokenRequests === 1, `burst: expected 1 token request for ${BURST_CALLS} concurrent calls, got ${burst.tokenRequests}`);
}

function printSummary(): void {
  const columns = ['scenario', 'calls', 'token requests', 'API 401s', 'failures'] as const;
  const cells = rows.map((row) => [row.scenario, row.calls, row.tokenRequests, row.api401s, row.failures].map(String));
  const total = ['total', ...[1, 2, 3, 4].map((i) => String(cells.reduce((sum, cell) => sum + Number(cell[i]), 0)))];
  const widths = columns.map((column, i) => Math.max(column.length, ...[...cells, total].map((cell) => (cell[i] ?? '').length)));
  const format = (cell: readonly string[]): string =>
    `   ${cell.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join('  ')}`;
  heading('Summary');
  console.log(format(columns));
  for (const cell of cells) console.log(format(cell));
  console.log(format(total));
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log('oauth-ccg demo: the OAuth 2.0 Client Credentials Grant against a real authorization server');
  let server: AuthorizationServer | undefined;
  try {
    server = await startAuthorizationServer();
    await run(server);
  } catch (error) {
    problems.push(`the demo stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    await server?.close();
  }
  if (rows.length > 0) printSummary();
  if (problems.length > 0) {
    console.error(`\nFAILED: ${plural(problems.length, 'expectation')} not met:`);
    for (const problem of problems) console.error(`   - ${problem}`);
    return 1;
  }
  console.log(`\nAll expectations met in ${seconds(performance.now() - started)}.`);
  return 0;
}

/** `--serve`: the servers until SIGINT or SIGTERM, and how to point the command line at them. */
async function serve(): Promise<number> {
  const server = await startAuthorizationServer();
  const { basic } = server.clients;
  const { bin } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };
  const command = fileURLToPath(new URL(`../${bin['oauth-ccg']}`, import.meta.url));
  console.log(`oauth-ccg demo servers on loopback, running until Ctrl-C
   issuer           ${server.issuer}
   token endpoint   ${server.tokenUrl}
   protected API    ${server.apiUrl} (GET /whoami says who the token is for)
   client           ${basic.id}, secret ${basic.secret} (a fixture of this demo)

In another shell (the command is built by npm install, or npm run build):
   alias oauth-ccg='node ${command}'
   export OAUTH_CCG_ISSUER=${server.issuer} OAUTH_CCG_CLIENT_ID=${basic.id} OAUTH_CCG_CLIENT_SECRET=${basic.secret} OAUTH_CCG_SCOPE='read write'
   oauth-ccg discover ${server.issuer}
   oauth-ccg token
   oauth-ccg curl -- -s ${server.apiUrl}/whoami
   oauth-ccg token | oauth-ccg inspect -`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  await server.close();
  console.log('\nservers stopped');
  return 0;
}

process.exitCode = process.argv.includes('--serve') ? await serve() : await main();
// Everything is closed now, so the process ends by itself. Should something still hold it open, say so.
setTimeout(() => {
  console.error('FAILED: the demo finished but something kept the process alive.');
  process.exit(1);
}, 3000).unref();
