// instanceof between two copies of the library's errors (OAuthCcgError[Symbol.hasInstance]), as an
// application gets them by loading the ES module and the CommonJS build, or a bundle with both.
// test/package/ checks the real pair from the installed tarball; this checks minified copies too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';

type Errors = typeof import('oauth-ccg');

/** A separate module instance of src/errors.ts, bundled as an application's bundler would. */
async function copyOfErrors(options: { minify: boolean }, label: string): Promise<Errors> {
  const result = await build({ entryPoints: ['src/errors.ts'], bundle: true, write: false, format: 'esm', minify: options.minify, banner: { js: `// ${label}` }, logLevel: 'error' });
  return (await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0]!.text).toString('base64')}`)) as Errors;
}

test('an error from one copy is an instance of the other copy\'s class of that name and of its ancestors, never of a subclass', async () => {
  const [a, b] = await Promise.all([copyOfErrors({ minify: false }, 'a'), copyOfErrors({ minify: false }, 'b')]);
  assert.notEqual(a.NetworkError, b.NetworkError);
  const timeout = new a.TimeoutError('t');
  assert.ok(timeout instanceof b.TimeoutError && timeout instanceof b.NetworkError && timeout instanceof b.OAuthCcgError && timeout instanceof Error);
  assert.equal(new a.NetworkError('n') instanceof b.TimeoutError, false);
  assert.equal(new a.ConfigurationError('c') instanceof b.NetworkError, false);
  assert.equal(new Error('plain') instanceof b.OAuthCcgError, false);
  assert.equal(Object.assign(new Error('look-alike'), { name: 'NetworkError' }) instanceof b.NetworkError, false);
});

test('a subclass of one copy\'s error is an instance of the other copy\'s parent class', async () => {
  const [a, b] = await Promise.all([copyOfErrors({ minify: false }, 'a'), copyOfErrors({ minify: false }, 'b')]);
  class GatewayTimeout extends a.TimeoutError {}
  assert.ok(new GatewayTimeout('g') instanceof b.NetworkError);
  assert.equal(new GatewayTimeout('g') instanceof b.ConfigurationError, false);
});

test('across minified copies, whose class names no longer say which class is which, instanceof holds only within a copy', async () => {
  const [a, b] = await Promise.all([copyOfErrors({ minify: true }, 'a'), copyOfErrors({ minify: true }, 'b')]);
  assert.notEqual(a.NetworkError.name, 'NetworkError', 'the minifier renamed the classes');
  assert.ok(new a.TimeoutError('t') instanceof a.NetworkError);
  for (const [name, Class] of Object.entries(b)) {
    if (typeof Class !== 'function') continue;
    assert.equal(new a.NetworkError('n') instanceof (Class as abstract new () => unknown), false, `a NetworkError is a ${name} of the other copy`);
  }
});
