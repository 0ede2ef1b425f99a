// Runs the real `oauth-ccg` command as a child process, as the package installs it (the build's bin, which
// `npm test` builds first: its bundle, code cache and CommonJS copy of jose are what users run), in a home
// directory of its own: its config and cache live there, and nothing of the caller's environment leaks in
// but PATH. OAUTH_CCG_CLI_FROM_SOURCE=1 runs src/cli/main.ts through tsx instead, with no build needed.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const COMMAND = process.env.OAUTH_CCG_CLI_FROM_SOURCE ? ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] : [join(ROOT, 'dist/cjs/cli/oauth-ccg.js')];

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to the child's environment (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed; default: nothing. */
  stdin?: string;
  /** The command line instead of `node <the command>`: e.g. `script` around it for a terminal. */
  wrap?: (command: string, args: string[]) => [string, string[]];
}

/** A home directory for the command (mode 0700, as mkdtemp makes it), and the way to run it there. */
export interface CliHome {
  readonly path: string;
  readonly cacheDirectory: string;
  readonly configFile: string;
  run(args: readonly string[], options?: CliOptions): Promise<CliRun>;
  remove(): Promise<void>;
}

export async function createCliHome(): Promise<CliHome> {
  const path = await mkdtemp(join(tmpdir(), 'oauth-ccg-cli-'));
  return {
    path,
    cacheDirectory: join(path, '.cache', 'oauth-ccg'),
    configFile: join(path, '.config', 'oauth-ccg', 'config.json'),
    run: (args, options = {}) => runCli(path, args, options),
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

function runCli(home: string, args: readonly string[], options: CliOptions): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const [command, commandArgs] = (options.wrap ?? ((c, a) => [c, a]))(process.execPath, [...COMMAND, ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
