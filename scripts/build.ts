// Builds dist/: an ES module copy (dist/esm) and a CommonJS copy (dist/cjs), each with declarations,
// declaration maps and source maps. The maps point at ../../src, which the package ships.
//
// Why not plain `tsc -p`: the sources import each other as `./x.ts` and rely on
// rewriteRelativeImportExtensions, which rewrites the JavaScript but leaves the declarations importing
// `./x.ts` — which TypeScript before 5.0 rejects, and which turns types into `any` under skipLibCheck.
// A declaration transformer gives them the `.js` specifiers the emitted JavaScript has.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import ts from 'typescript';

const BUILDS = [
  { config: 'tsconfig.build.json', outDir: 'dist/esm', type: 'module' },
  { config: 'tsconfig.build-cjs.json', outDir: 'dist/cjs', type: 'commonjs' },
] as const;

await rm('dist', { recursive: true, force: true });
for (const build of BUILDS) {
  emit(build.config);
  // Each copy says what it is, so Node and TypeScript read dist/cjs as CommonJS inside a "type": "module" package.
  await mkdir(build.outDir, { recursive: true });
  await writeFile(`${build.outDir}/package.json`, `${JSON.stringify({ type: build.type })}\n`);
}

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

function fail(diagnostics: readonly ts.Diagnostic[]): never {
  const host = { getCanonicalFileName: (name: string) => name, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' };
  process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  process.exit(1);
}
