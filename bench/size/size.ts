// Bundle size: what each library's client-credentials path loads when an application starts, bundled by
// esbuild with code splitting as application bundlers do (a dynamic import() gets a chunk of its own, loaded
// when called), minified, and minified + gzipped; and the check that oauth-ccg's optional parts (its optional
// entry points, its lazily loaded dependencies) stay out of its client_secret path. Entry points and
// dependencies come from package.json (test/package/entry-points.ts).
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { commands, core, entryPoints, manifest } from '../../test/package/entry-points.ts';

export interface BundleSize {
  library: string;
  /** What the bundled code does. */
  path: string;
  minified: number;
  gzipped: number;
}

/** Each library's client-credentials path, as its documentation shows it (./paths/). */
const PATHS = [
  { library: 'oauth-ccg', entry: 'bench/size/paths/oauth-ccg.ts', path: '`Client` with a client secret: token fetched, reused, renewed ahead of expiry, replayed after a 401' },
  { library: 'oauth4webapi', entry: 'bench/size/paths/oauth4webapi.ts', path: '`clientCredentialsGrantRequest` + `processClientCredentialsResponse`: one token request, no token kept' },
  { library: '@badgateway/oauth2-client', entry: 'bench/size/paths/badgateway.ts', path: '`OAuth2Client` + `OAuth2Fetch`: token fetched, reused, refreshed after a 401' },
];

/** Where `oauth-ccg` and its subpaths resolve: the published build, or the sources (for a check that must not read a stale dist/). */
export type Build = 'dist/esm' | 'src';

export async function measureBundles(from: Build): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const { library, entry, path } of PATHS) {
    const { code } = await bundle(entry, from);
    sizes.push({ library, path, minified: code.length, gzipped: gzipSync(code, { level: 9 }).length });
  }
  return sizes;
}

/**
 * The modules of oauth-ccg's optional parts that the client_secret path loads at start-up anyway: none, or
 * it has grown by a feature it does not use. The optional parts are the optional entry points (the modules
 * an entry file imports beyond what the core entry imports), the runtime dependencies, which the core
 * loads only with import() when a feature needs them (jose, on the first signature), and the commands of
 * `bin` (every module in their folder). Keyed by entry point, package, or `bin <name>`.
 */
export async function optionalModulesInCore(from: Build): Promise<Record<string, string[]>> {
  const clientSecret = await bundle(PATHS[0]!.entry, from);
  const bundled = Object.entries(clientSecret.contributions).filter(([, bytes]) => bytes > 0).map(([input]) => input);
  const coreImports = new Set([sourceOf(core.source, from), ...(await directImports(core.source, from))]);
  const found: Record<string, string[]> = {};
  for (const entry of entryPoints.filter((candidate) => candidate !== core)) {
    const own = (await directImports(entry.source, from)).filter((module) => !coreImports.has(module));
    found[entry.specifier] = own.filter((module) => bundled.includes(module));
  }
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    found[dependency] = bundled.filter((module) => module.startsWith(`node_modules/${dependency}/`));
  }
  // A command (package.json's bin) is no part of the library: none of its modules belongs in a library bundle.
  for (const command of commands) found[`bin ${command.name}`] = bundled.filter((module) => module.startsWith(sourceOf(command.folder, from)));
  return found;
}

/** What `entry` loads at start-up: its chunk and the chunks that chunk imports statically, not those it import()s. */
async function bundle(entry: string, from: Build): Promise<{ code: Uint8Array; contributions: Record<string, number> }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    outdir: 'bundle',
    minify: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { 'oauth-ccg': `./${from}` },
    logLevel: 'error',
  });
  const outputs = result.metafile.outputs;
  const startup = new Set<string>();
  const visit = (chunk: string): void => {
    if (startup.has(chunk)) return;
    startup.add(chunk);
    for (const { path, kind } of outputs[chunk]!.imports) if (kind === 'import-statement') visit(path);
  };
  visit(Object.keys(outputs).find((chunk) => outputs[chunk]!.entryPoint !== undefined)!);
  const contributions: Record<string, number> = {};
  for (const chunk of startup) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[chunk]!.inputs)) contributions[input] = (contributions[input] ?? 0) + bytesInOutput;
  }
  // esbuild's output paths are absolute; the metafile's are relative to the working directory.
  const files = result.outputFiles.filter((file) => [...startup].some((chunk) => file.path.endsWith(`/${chunk}`)));
  return { code: Buffer.concat(files.map((file) => file.contents)), contributions };
}

/** The modules a source file imports itself, as esbuild names them. Packages (`undici`, `node:…`) are left unresolved: an entry point may be for one runtime. */
async function directImports(source: string, from: Build): Promise<string[]> {
  const result = await build({ entryPoints: [sourceOf(source, from)], bundle: true, write: false, metafile: true, format: 'esm', platform: 'browser', packages: 'external', logLevel: 'error' });
  return result.metafile.inputs[sourceOf(source, from)]!.imports.map((imported) => imported.path);
}

/** `src/x.ts` as the chosen build has it. */
function sourceOf(source: string, from: Build): string {
  return from === 'src' ? source : source.replace(/^src\//, `${from}/`).replace(/\.ts$/, '.js');
}

/** The sizes as a Markdown table, in KiB, with each library's gzipped size as a multiple of oauth-ccg's. */
export function sizeTable(sizes: readonly BundleSize[]): string {
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
  const own = sizes.find((size) => size.library === 'oauth-ccg');
  const rows = sizes.map((size) => {
    const relative = own === undefined || size === own ? '' : ` (×${(size.gzipped / own.gzipped).toFixed(2)})`;
    return `| ${size.library} | ${size.path} | ${kib(size.minified)} | ${kib(size.gzipped)}${relative} |`;
  });
  return ['| Library | What is bundled | Minified | Minified + gzip |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The check's outcome in words, one line per optional entry point. */
export function describeOptionalModules(found: Record<string, string[]>): string[] {
  const entries = Object.entries(found);
  if (entries.length === 0) return ['No optional entry point yet: every export is the core.'];
  return entries.map(([specifier, modules]) =>
    modules.length === 0 ? `${specifier}: none of its modules is in the client_secret path's start-up chunks.` : `${specifier}: **in the client_secret path's start-up chunks**: ${modules.join(', ')}.`,
  );
}
