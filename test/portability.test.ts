// The core must run unchanged on Node, Bun, Deno and Workers: no runtime dependencies, no Node built-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

test('package.json declares no runtime dependencies', async () => {
  const manifest = JSON.parse(await readFile('package.json', 'utf8')) as Record<string, unknown>;
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.peerDependencies, undefined);
});

test('src/ imports nothing but its own modules', async () => {
  const files = (await readdir('src', { recursive: true })).filter((file) => file.endsWith('.ts'));
  assert.ok(files.length > 10);
  for (const file of files) {
    const source = await readFile(join('src', file), 'utf8');
    const specifiers = [...source.matchAll(/\bfrom\s+'([^']+)'|\bimport\(\s*'([^']+)'|\brequire\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2] ?? m[3]);
    for (const specifier of specifiers) assert.match(specifier!, /^\.\.?\//, `${file} imports ${specifier}`);
    assert.doesNotMatch(source, /\bprocess\.[a-z]|\bBuffer\./, `${file} uses a Node global`);
  }
});
