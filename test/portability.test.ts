// The core must run unchanged on Node, Bun, Deno and Workers: web standards only, no Node built-ins. Its
// one runtime dependency, jose, is loaded only where a JWT feature is configured; Node-only code lives
// behind `oauth-ccg/node`, with undici an optional peer dependency of that entry alone. The adapters for
// axios and undici (`oauth-ccg/axios`, `oauth-ccg/undici`) name those packages as types only: the caller
// hands in its own instance or dispatcher, so the entries load neither.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where each package outside src/ may be imported from, and how. */
const ALLOWED_IMPORTS: { specifier: RegExp; where: RegExp; dynamicOnly: boolean; typesOnly?: true }[] = [
  { specifier: /^jose$/, where: /^keys\//, dynamicOnly: true },
  { specifier: /^(undici|node:.+)$/, where: /^node(\/|\.ts$)/, dynamicOnly: false },
  { specifier: /^node:.+$/, where: /^(file\.ts$|stores\/file-token-store\.ts$|stores\/file\/)/, dynamicOnly: false },
  { specifier: /^@opentelemetry\/api$/, where: /^adapters\/otel(\/|\.ts$)/, dynamicOnly: false },
  { specifier: /^axios$/, where: /^adapters\/axios\.ts$/, dynamicOnly: false, typesOnly: true },
  { specifier: /^undici$/, where: /^adapters\/undici\.ts$/, dynamicOnly: false, typesOnly: true },
  // The oauth-ccg command: a Node program, no part of any entry point (the size check keeps it out of the bundles).
  { specifier: /^node:.+$/, where: /^cli\//, dynamicOnly: false },
];

test('package.json: jose is the one runtime dependency; peer dependencies are optional and belong to an entry point', async () => {
  const manifest = JSON.parse(await readFile('package.json', 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  };
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}), ['jose']);
  for (const peer of Object.keys(manifest.peerDependencies ?? {})) assert.equal(manifest.peerDependenciesMeta?.[peer]?.optional, true, `${peer} is optional`);
});

test('src/ imports only its own modules, but where an entry point or a lazily loaded feature allows', async () => {
  const files = (await readdir('src', { recursive: true })).filter((file) => file.endsWith('.ts'));
  assert.ok(files.length > 10);
  for (const file of files) {
    const source = await readFile(join('src', file), 'utf8');
    const imports = [...source.matchAll(/\b(import type\b[^;]*?)?\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'|\brequire\(\s*'([^']+)'/g)].map((m) => ({
      specifier: (m[2] ?? m[3] ?? m[4])!,
      dynamic: m[3] !== undefined,
      typesOnly: m[1] !== undefined,
    }));
    for (const { specifier, dynamic, typesOnly } of imports) {
      if (/^\.\.?\//.test(specifier)) continue;
      const allowed = ALLOWED_IMPORTS.find((rule) => rule.specifier.test(specifier) && rule.where.test(file.replaceAll('\\', '/')));
      assert.ok(allowed, `${file} imports ${specifier}`);
      assert.ok(dynamic || !allowed.dynamicOnly, `${file} must import ${specifier} lazily, with import()`);
      assert.ok(typesOnly || !allowed.typesOnly, `${file} must import only types from ${specifier} (import type)`);
    }
    if (!/^(node(\/|\.ts$)|stores\/file\/|cli\/)/.test(file)) assert.doesNotMatch(source, /\bprocess\.[a-z]|\bBuffer\./, `${file} uses a Node global`);
  }
});
