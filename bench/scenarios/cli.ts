import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifest } from '../../test/package/entry-points.ts';
import { now } from '../clock.ts';
import type { Contender } from '../contenders/contender.ts';
import { describeError } from './calls.ts';
import { newEnv, withTimeout, wordsRow, type Context, type Figure, type Row, type Scenario } from './scenario.ts';
import { median } from './stats.ts';

/** The built command, as `npx oauth-ccg` runs it (npm run bench builds first). */
const COMMAND = manifest.bin!['oauth-ccg']!;
/** Far beyond what the scenario takes, so that a hang fails the scenario instead of the run. */
const TIMEOUT_MS = 180_000;

const FIGURES: Figure[] = [
  { key: 'coldTokenRequests', label: 'Cold run: token requests', format: 'count' },
  { key: 'warmTokenRequests', label: 'Warm runs: token requests', format: 'count' },
  { key: 'warmMs', label: 'Warm run: wall time', format: 'ms' },
  { key: 'nodeMs', label: '`node -e 0`: wall time', format: 'ms' },
  { key: 'startupRatio', label: 'Warm run relative to `node -e 0`', format: 'ratio', comparable: false },
];

const CONTENDER: Contender = {
  name: 'oauth-ccg token (the command)',
  role: 'subject',
  packages: ['oauth-ccg'],
  usage: '',
  capabilities: { fetchesTokens: true, reusesToken: true, retriesOn401: true, retriesTokenRequest: true },
  create: () => Promise.reject(new Error('driven by the command-line scenario itself')),
};

/**
 * 7: the command line. `oauth-ccg token` in a new process each time, from the built package, with a cache
 * of its own: the first run (cold) asks the token endpoint; the later ones (warm) should find the token in
 * the cache and cost little more than Node's own start, measured as `node -e 0` in the same rounds.
 */
export const commandLine: Scenario = {
  async run(ctx: Context) {
    let row: Row = { contender: CONTENDER, cells: {}, notes: [] };
    try {
      await withTimeout(measure(ctx, row), TIMEOUT_MS);
    } catch (error) {
      row = wordsRow(CONTENDER, FIGURES, `failed: ${describeError(error)}`);
    }
    return {
      id: 'cli',
      title: 'Command line',
      description: [
        `\`oauth-ccg token\` (${COMMAND}, the built package) in a new Node process each time, with a cache directory of its own and client_secret_basic.`,
        '*Cold run*: the first, with an empty cache; *token requests* the token endpoint received from it. *Warm runs*: every later one, which should find the token in the cache.',
        `*Wall time*: from spawning the process to its exit, the median of ${ctx.profile.cliRounds} rounds in which a warm run and \`node -e 0\` take turns (A, B, then B, A, ...) so that drift in the machine's speed falls on both; *relative to \`node -e 0\`* is the median of the rounds' ratios.`,
      ].join(' '),
      figures: FIGURES,
      rows: [row],
    };
  },
};

/** Fills `row` with the scenario's figures. */
async function measure(ctx: Context, row: Row): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'oauth-ccg-bench-cli-'));
  try {
    await ctx.servers.control.configure({ tokenLatencyMs: 0, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
    const env = newEnv(ctx.servers, CONTENDER, 'cli');
    const commandEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      OAUTH_CCG_TOKEN_URL: env.tokenUrl,
      OAUTH_CCG_CLIENT_ID: env.clientId,
      OAUTH_CCG_CLIENT_SECRET: env.clientSecret,
      OAUTH_CCG_SCOPE: env.scope,
    };
    const token = () => timedRun([COMMAND, 'token'], commandEnv);
    const bareNode = () => timedRun(['-e', '0'], { PATH: commandEnv.PATH });

    ctx.log('  cold run');
    await token();
    const cold = (await ctx.servers.control.tokenRequests(env.clientId)).length;
    ctx.log('  warm runs and node -e 0 in turns');
    const times = { warm: [] as number[], node: [] as number[] };
    for (let round = 0; round < ctx.profile.cliRounds; round++) {
      const order = round % 2 === 0 ? (['warm', 'node'] as const) : (['node', 'warm'] as const);
      for (const which of order) times[which].push(await (which === 'warm' ? token() : bareNode()));
    }
    Object.assign(row.cells, {
      coldTokenRequests: cold,
      warmTokenRequests: (await ctx.servers.control.tokenRequests(env.clientId)).length - cold,
      warmMs: median(times.warm),
      nodeMs: median(times.node),
      startupRatio: median(times.warm.map((ms, round) => ms / times.node[round]!)),
    });
  } finally {
    await ctx.servers.control.clearRecords();
    await rm(home, { recursive: true, force: true });
  }
}

/** Runs `node <args>` and resolves with its wall time in ms; a failed run rejects with what it printed. */
function timedRun(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const elapsed = now() - started;
      if (code === 0) resolve(elapsed);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.trim().slice(0, 300)}`));
    });
  });
}
