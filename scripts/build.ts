// Builds dist/: an ES module copy (dist/esm) and a CommonJS copy (dist/cjs), each with declarations,
// declaration maps and source maps. The maps point at ../../src, which the package ships. Then the
// command line: src/cli bundled with what it uses of the library into one file, dist/cjs/cli/main.js,
// started by `bin` in package.json, dist/cjs/cli/oauth-ccg.js (see bundleCommand).
//
// Why not plain `tsc -p`: the sources import each other as `./x.ts` and rely on
// rewriteRelativeImportExtensions, which rewrites the JavaScript but leaves the declarations importing
// `./x.ts` — which TypeScript before 5.0 rejects, and which turns types into `any` under skipLibCheck.
// A declaration transformer gives them the `.js` specifiers the emitted JavaScript has.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { build, type BuildOptions, type PluginBuild } from 'esbuild';
import ts from 'typescript';

const BUILDS = [
  { config: 'tsconfig.build.json', outDir: 'dist/esm', type: 'module' },
  { config: 'tsconfig.build-cjs.json', outDir: 'dist/cjs', type: 'commonjs' },
] as const;

await rm('dist', { recursive: true, force: true });
for (const copy of BUILDS) {
  emit(copy.config);
  // Each copy says what it is, so Node and TypeScript read dist/cjs as CommonJS inside a "type": "module" package.
  await mkdir(copy.outDir, { recursive: true });
  await writeFile(`${copy.outDir}/package.json`, `${JSON.stringify({ type: copy.type })}\n`);
}
await bundleCommand();

function emit(configPath: string): void {
  const config = ts.getParsedCommandLineOfConfigFile(configPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => fail([diagnostic]),
  });
  if (config === undefined) throw new Error(`${configPath} could not be read`);
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, configFileParsingDiagnostics: config.errors });
  const result = program.emit(undefined, undefined, undefined, false, { afterDeclarations: [jsSpecifiers] });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
  if (diagnostics.length > 0) fail(diagnostics);
}

/** Rewrites relative `./x.ts` specifiers in declarations (imports, re-exports, `import('./x.ts')` types) to `./x.js`. */
function jsSpecifiers(context: ts.TransformationContext) {
  const { factory } = context;
  const rewritten = (specifier: ts.Expression): ts.Expression =>
    ts.isStringLiteral(specifier) && /^\.\.?\/.*\.ts$/.test(specifier.text)
      ? factory.createStringLiteral(specifier.text.replace(/\.ts$/, '.js'))
      : specifier;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      return factory.updateImportDeclaration(node, node.modifiers, node.importClause, rewritten(node.moduleSpecifier), node.attributes);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      return factory.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, rewritten(node.moduleSpecifier), node.attributes);
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const argument = factory.updateLiteralTypeNode(node.argument, rewritten(node.argument.literal) as ts.StringLiteral);
      return factory.updateImportTypeNode(node, argument, node.attributes, node.qualifier, node.typeArguments, node.isTypeOf);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (file: ts.SourceFile | ts.Bundle) => ts.visitEachChild(file, visit, context) as typeof file;
}

/**
 * The command as one CommonJS file, dist/cjs/cli/main.js: Node's ES module loader reads, resolves and
 * links each file of a module graph on its own and builds a facade for each builtin it imports, which for
 * the 50-odd modules of a cached `oauth-ccg token` cost more than Node's own start. The commands'
 * `import()`s stay lazy (each module's code runs only when first imported), and so do the packages (jose,
 * undici), loaded from node_modules as the library loads them. mtlsFetch stays the CommonJS copy's own
 * module: bundled, its import of undici (an optional peer) would be required by every run. `import.meta.url`
 * (the command finds its package.json from it) is the file's URL, as in an ES module. The maps point at src/.
 *
 * Beside it, the package's `bin`, oauth-ccg.js, which runs the bundle through V8's code cache, and
 * code-cache.js, which both share (src/cli/code-cache.ts says why): external to both, so that they share
 * one copy of its state. The launcher is told the bundle's digest, which names the cache it may use.
 */
async function bundleCommand(): Promise<void> {
  const ownFiles = (bundler: PluginBuild) => {
    bundler.onResolve({ filter: /\/node\/mtls-fetch\.ts$/ }, () => ({ path: '../node/mtls-fetch.js', external: true }));
    bundler.onResolve({ filter: /^jose$/ }, () => ({ path: './jose.js', external: true }));
    bundler.onResolve({ filter: /\/code-cache\.ts$/ }, ({ kind }) => (kind === 'entry-point' ? undefined : { path: './code-cache.js', external: true }));
  };
  const common: BuildOptions = {
    plugins: [{ name: 'own-files', setup: ownFiles }],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // Every import() becomes a require(): Node 20 cannot run an import() from a vm script compiled from a
    // code cache (the script's loader does not survive the cache). jose, an ES module, is required from a
    // CommonJS copy of its own, loaded only by the commands that sign.
    supported: { 'dynamic-import': false },
    external: ['undici'],
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'error',
  };
  await build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cjs/cli/main.js',
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  });
  const digest = createHash('sha256').update(await readFile('dist/cjs/cli/main.js')).digest('base64url').slice(0, 22);
  await build({ ...common, entryPoints: ['src/cli/oauth-ccg.ts'], outfile: 'dist/cjs/cli/oauth-ccg.js', define: { BUNDLE_DIGEST: JSON.stringify(digest) } });
  await build({ ...common, entryPoints: ['src/cli/code-cache.ts'], outfile: 'dist/cjs/cli/code-cache.js' });
  await build({ ...common, stdin: { contents: "export * from 'jose';", resolveDir: '.' }, outfile: 'dist/cjs/cli/jose.js', plugins: [], sourcemap: false });
}

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
