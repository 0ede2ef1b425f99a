// The entry for runtimes that run a script (Node, Bun, Deno): runs the scenarios, prints the results as JSON.
// On Node it adds oauth-ccg/node's mtlsFetch to the world, so that the mTLS scenario runs there and only there;
// on every one of them, which all have a file system, oauth-ccg/file's FileTokenStore; and axios and undici,
// each as that runtime loads it from npm (Node's builds: Bun and Deno run those too).
import { runConformance } from './conformance.ts';
import type { World } from './world.ts';

/** Set by the bundler (esbuild's `define`): the only way in that every runtime has in common. */
declare const WORLD: World;

/** Node itself, told apart from Bun and Deno, which also have a `process` with `versions.node`. */
function isNode(): boolean {
  const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } }).process?.versions;
  return versions?.node !== undefined && versions.bun === undefined && versions.deno === undefined;
}

const mtlsFetch = isNode() ? ((await import(WORLD.mtls.nodeModule)) as typeof import('oauth-ccg/node')).mtlsFetch : undefined;
const { FileTokenStore } = (await import(WORLD.fileStore.module)) as typeof import('oauth-ccg/file');
const axios = ((await import(WORLD.libraries.axios)) as typeof import('axios')).default;
// undici is CommonJS: its bundle's default export is its `module.exports`.
const undici = ((await import(WORLD.libraries.undici)) as { default: typeof import('undici') }).default;
console.log(JSON.stringify(await runConformance({ ...WORLD, FileTokenStore, axios, undici, ...(mtlsFetch && { mtlsFetch }) })));
