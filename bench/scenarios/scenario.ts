import type { Capabilities, Contender, Env, Instance } from '../contenders/contender.ts';
import type { Profile } from '../profile.ts';
import type { Servers } from '../servers/control.ts';
import { describeError, failureNote, type TimedCall } from './calls.ts';

/** A figure's value: a number, or words where the library cannot do what the figure measures. */
export type Cell = number | string;

export interface Figure {
  key: string;
  label: string;
  format: 'count' | 'ms' | 'rate' | 'ratio' | 'bytes' | 'text';
  /**
   * Set where a lower or higher value is plainly better whatever else happened; the report then says
   * which libraries match or beat oauth-ccg on it. Token request counts have it only where calls
   * cannot succeed without a token request: elsewhere, zero requests is what a library that gives up makes.
   */
  better?: 'lower' | 'higher';
  /** False where dividing by oauth-ccg's figure means nothing (noise around zero, or a ratio already). */
  comparable?: false;
}

export interface Row {
  contender: Contender;
  cells: Record<string, Cell>;
  notes: string[];
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** The scenario's setup and the definitions of its figures, in words, for the report. */
  description: string;
  figures: Figure[];
  rows: Row[];
}

export interface Context {
  servers: Servers;
  profile: Profile;
  contenders: Contender[];
  /** oauth-ccg with per-call options (role `variant`): the overhead scenario measures them with the libraries. */
  variants: Contender[];
  log(message: string): void;
}

export interface Scenario {
  run(ctx: Context): Promise<ScenarioResult>;
}

export const CLIENT_SECRET = 'bench-secret';
const SCOPE = 'read';
let clients = 0;

/** Credentials for one new client, under a client id no other client of the run shares. */
export function newEnv(servers: Servers, contender: Contender, scenarioId: string): Env {
  const slug = contender.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const clientId = `${slug}-${scenarioId}-${++clients}`;
  return {
    apiOrigin: servers.apiOrigin,
    tokenUrl: servers.tokenUrl,
    clientId,
    clientSecret: CLIENT_SECRET,
    scope: SCOPE,
    issueFixedToken: () => servers.control.issueFixedToken(clientId),
  };
}

/** The floor's lack of token logic makes whole scenarios inapplicable instead of earning a note. */
type Noted = Exclude<keyof Capabilities, 'fetchesTokens'>;

const MISSING: Record<Noted, string> = {
  reusesToken: 'no token cache: a token request per call',
  retriesOn401: 'no retry on 401',
  retriesTokenRequest: 'no retry of a failed token request',
};

/** Words for the capabilities, among those that matter to a scenario, that a library lacks. */
/** For scenarios about fetching tokens: a contender with a fixed token has nothing to show in them. */
export function unlessFixedToken(contender: Contender): string | undefined {
  return contender.capabilities.fetchesTokens ? undefined : 'n/a: fixed token';
}

export function missingCapabilities(contender: Contender, relevant: readonly Noted[]): string[] {
  return relevant.filter((capability) => !contender.capabilities[capability]).map((capability) => MISSING[capability]);
}

/** A row's notes: what the library lacks for the scenario, then how its calls failed, if they did. */
export function scenarioNotes(contender: Contender, relevant: readonly Noted[], calls: readonly TimedCall[]): string[] {
  const failures = failureNote(calls);
  return [...missingCapabilities(contender, relevant), ...(failures === undefined ? [] : [failures])];
}

/** The same words in every cell, for a library that cannot do a scenario or failed it. */
export function wordsRow(contender: Contender, figures: readonly Figure[], words: string, notes: string[] = []): Row {
  return { contender, cells: Object.fromEntries(figures.map((figure) => [figure.key, words])), notes };
}

/** A library's measurement, or why it could not be made (in words, for the table). */
export type Outcome<T> = { value: T } | { failure: string };

/**
 * Builds a new client of `contender` with fresh server records, runs `use` on it within
 * `timeoutMs`, and closes it. A library that throws or hangs comes back as a failure in words, so
 * that the run goes on.
 */
export async function withNewClient<T>(
  ctx: Context,
  contender: Contender,
  scenarioId: string,
  timeoutMs: number,
  use: (instance: Instance, env: Env) => Promise<T>,
): Promise<Outcome<T>> {
  ctx.log(`  ${contender.name}`);
  await ctx.servers.control.clearRecords();
  const env = newEnv(ctx.servers, contender, scenarioId);
  let instance: Instance | undefined;
  try {
    instance = await contender.create(env);
    return { value: await withTimeout(use(instance, env), timeoutMs) };
  } catch (error) {
    return { failure: `failed: ${describeError(error)}` };
  } finally {
    await instance?.close?.();
  }
}

export interface PerContender {
  scenarioId: string;
  figures: readonly Figure[];
  /** Why a library cannot do the scenario at all, or undefined if it can. */
  inapplicable?(contender: Contender): string | undefined;
  timeoutMs: number;
  measure(instance: Instance, env: Env, contender: Contender): Promise<Omit<Row, 'contender'>>;
}

/** Runs a scenario library by library, each on a new client: one row per library. */
export async function eachContender(ctx: Context, spec: PerContender): Promise<Row[]> {
  const rows: Row[] = [];
  for (const contender of ctx.contenders) {
    const inapplicable = spec.inapplicable?.(contender);
    if (inapplicable !== undefined) {
      rows.push(wordsRow(contender, spec.figures, inapplicable));
      continue;
    }
    const outcome = await withNewClient(ctx, contender, spec.scenarioId, spec.timeoutMs, (instance, env) => spec.measure(instance, env, contender));
    rows.push('value' in outcome ? { contender, ...outcome.value } : wordsRow(contender, spec.figures, outcome.failure));
  }
  return rows;
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
