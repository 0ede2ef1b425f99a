// The runtimes the conformance scenarios run on, each installed from the npm registry through the lock
// file (bun, deno, miniflare with its workerd), and how each one runs a bundle of them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import type { ScenarioResult } from './world.ts';

export interface Bundles {
  /** A path: ./main.ts bundled, for runtimes that run a script. */
  script: string;
  /** Source text: ./worker.ts bundled, for workerd. */
  worker: string;
  /** The one directory a runtime may read and write: the file store's scenario keeps its files there. */
  scratch: string;
}

export interface Runtime {
  name: string;
  /** As the README's table shows it. */
  version(): Promise<string>;
  run(bundles: Bundles): Promise<ScenarioResult[]>;
}

/** Long enough for every scenario on a slow machine; a runtime that hangs fails instead of stalling the suite. */
const RUN_TIMEOUT_MS = 120_000;

export const runtimes: Runtime[] = [
  {
    name: 'Node',
    // The machine's Node, not the lock file's: its major version keeps the README's table the same across patch releases.
    version: async () => process.versions.node.split('.')[0]!,
    run: (bundles) => runScript(process.execPath, [bundles.script]),
  },
  {
    name: 'Bun',
    version: async () => (await output(bunBinary(), ['--version'])).trim(),
    run: (bundles) => runScript(bunBinary(), [bundles.script]),
  },
  {
    name: 'Deno',
    version: async () => /deno (\S+)/.exec(await output(DENO, ['--version']))![1]!,
    // Network access to loopback only, files in the scratch directory only (and the user id, which the file
    // store checks its directory's owner against), and no deno.json or package.json from the repository.
    // The environment too, which axios and undici from npm read (axios's proxy agent lists it all through
    // debug as it loads; undici reads JEST_WORKER_ID and UNDICI_NO_WASM_SIMD at its first connection): a Deno
    // program that uses them needs it.
    run: (bundles) =>
      runScript(DENO, [
        'run',
        '--allow-net=127.0.0.1',
        `--allow-read=${bundles.scratch}`,
        `--allow-write=${bundles.scratch}`,
        '--allow-sys=uid',
        '--allow-env',
        '--no-config',
        '--no-prompt',
        bundles.script,
      ]),
  },
  {
    name: 'workerd',
    version: async () => `${packageVersion('workerd')} (miniflare ${packageVersion('miniflare')})`,
    async run(bundles) {
      const miniflare = new Miniflare({ modules: true, script: bundles.worker, compatibilityDate: '2026-07-01' });
      try {
        const response = await miniflare.dispatchFetch('http://conformance/', { signal: AbortSignal.timeout(RUN_TIMEOUT_MS) });
        if (!response.ok) throw new Error(`the Worker answered HTTP ${response.status}: ${await response.text()}`);
        return (await response.json()) as ScenarioResult[];
      } finally {
        await miniflare.dispose();
      }
    },
  },
];

const DENO = 'node_modules/.bin/deno';

/** Deno's npm package finds its binary without its install script; bun's needs it (it moves the binary out of the platform package), so with install scripts off the binary is still in the platform package. */
function bunBinary(): string {
  const platformBinary = `node_modules/@oven/bun-${process.platform}-${process.arch === 'arm64' ? 'aarch64' : process.arch}/bin/bun`;
  return existsSync(platformBinary) ? platformBinary : 'node_modules/bun/bin/bun.exe';
}

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
}

async function runScript(command: string, args: string[]): Promise<ScenarioResult[]> {
  return JSON.parse(await output(command, args)) as ScenarioResult[];
}

async function output(command: string, args: string[]): Promise<string> {
  // Deno and Bun would otherwise look for updates and send telemetry: the network here is loopback only.
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' };
  try {
    return (await promisify(execFile)(command, args, { env, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}
