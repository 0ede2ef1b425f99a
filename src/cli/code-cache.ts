// V8's code cache for the command's bundle, kept in the token cache's directory.
//
// A cached `oauth-ccg token` should cost little more than Node's own start (the bench holds it to 1.5×
// `node -e 0`). Compiling the 200 KB bundle and then each function the run calls is a quarter of such a
// run; loading the code a previous run compiled is a fraction of that. Node 22 does this for every module
// (module.enableCompileCache); on Node 20 this module does it for the one file that matters, through
// vm.Script's `cachedData`.
//
// The cache is written by a run that used the token cache (so `--no-cache` and `--dpop` write nothing) and
// left V8's flags alone (see forgoCodeCache: in effect, a run that read its token from the cache), into the
// same private directory, and read only from a directory and file that are this user's and that
// no one else can write: compiled code is code, and V8 runs it as it finds it. V8 itself refuses a cache
// made by another version of V8 or with other flags; the file's name holds the bundle's digest (from the
// build), so a new build never meets the old build's code.
//
// Built as a file of its own, beside the bundle and outside it: the launcher (oauth-ccg.ts) and the
// bundle (session.ts, network.ts) share this module's state through `require`. From the sources (tsx), nothing runs
// through it and keepCodeCacheIn does nothing.
import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** The bundle as this process compiled it, and whether the cache it came from (if any) should be written anew. */
let compiled: { readonly script: Script; readonly fileName: string; readonly stale: boolean } | undefined;
let keeping = false;
let forgone = false;

/**
 * Cache files end so; nothing else in the directory does. One is kept per build and V8 (a few hundred KB
 * each): two installed versions used in turn each keep theirs. `oauth-ccg cache clear` removes them.
 */
const SUFFIX = '.v8-code';

/**
 * Runs the CommonJS file `bundle` as `require` would, from the code cache in `directory` when it holds
 * one for this bundle (`digest`) and this V8. `bundleRequire` is the `require` of a module in the bundle's
 * directory (the launcher's own: node:module, to make one, would cost a load of its own).
 */
export function runWithCodeCache(bundle: string, digest: string, directory: string, bundleRequire: NodeJS.Require): void {
  const fileName = `${digest}-${process.versions.v8}-${process.arch}${SUFFIX}`;
  const cachedData = readPrivately(directory, fileName);
  // The wrapper Node gives every CommonJS file. The bundle makes no import(): Node 20 cannot run one from
  // a script compiled from a code cache (the build turns them into require()).
  const source = `(function (exports, require, module, __filename, __dirname) { ${readFileSync(bundle, 'utf8')}\n});`;
  const script = new Script(source, { filename: bundle, ...(cachedData && { cachedData }) });
  compiled = { script, fileName, stale: cachedData === undefined || script.cachedDataRejected === true };
  const module = { exports: {} };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, bundleRequire, module, bundle, dirname(bundle));
}

/**
 * The command uses its token cache, in `directory` (checked private by the store): at exit, the code this
 * run compiled is written there if the cache was missing or refused, and {@link forgoCodeCache} was not called.
 */
export function keepCodeCacheIn(directory: string): void {
  if (compiled === undefined || !compiled.stale || keeping) return;
  keeping = true;
  const { script, fileName } = compiled;
  process.once('exit', () => {
    // At exit, so that the cache holds every function this run compiled, not only the bundle's top level.
    if (forgone) return;
    const temporary = join(directory, `.${process.pid}${SUFFIX}.tmp`);
    try {
      writeFileSync(temporary, script.createCachedData(), { mode: 0o600, flag: 'wx' });
      renameSync(temporary, join(directory, fileName));
    } catch {
      // A cache not written costs the next run its compile time, and nothing else.
      rmSync(temporary, { force: true });
    }
  });
}

/**
 * This run changed V8's flags (network.ts does, before its first request), which are part of a code
 * cache's identity: a cache made now would be refused by every later run. A run that reads its token from
 * the cache changes none, and writes it.
 */
export function forgoCodeCache(): void {
  forgone = true;
}

/** The file's bytes if it and its directory are this user's and writable by no one else; else `undefined`. */
function readPrivately(directory: string, fileName: string): Buffer | undefined {
  try {
    const uid = process.getuid?.();
    const path = join(directory, fileName);
    // The directory as the token store requires it (no permission for group or others), the file writable by its owner alone.
    for (const [stats, forbiddenBits] of [
      [lstatSync(directory), 0o077],
      [lstatSync(path), 0o022],
    ] as const) {
      if (stats.isSymbolicLink() || (uid !== undefined && (stats.uid !== uid || (stats.mode & forbiddenBits) !== 0))) return undefined;
    }
    return readFileSync(path);
  } catch {
    return undefined;
  }
}
