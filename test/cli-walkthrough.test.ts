// The README's 30-second walkthrough of the command line, as it is written: `npm start -- --serve` keeps
// the demo's servers running and prints the environment to use; the commands then work against them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createCliHome } from './support/cli.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('npm start -- --serve: the printed environment works for discover, token, curl and inspect, and Ctrl-C stops the servers', { timeout: 90_000 }, async () => {
  const demo = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--serve'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  demo.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  demo.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const home = await createCliHome();
  try {
    while (!output.includes('oauth-ccg inspect -')) {
      assert.equal(demo.exitCode, null, output);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const exported = /^\s*export (.+)$/m.exec(output)?.[1] ?? '';
    const env = Object.fromEntries([...exported.matchAll(/(\w+)=('[^']*'|\S+)/g)].map(([, name, value]) => [name!, value!.replace(/^'|'$/g, '')]));
    assert.deepEqual(Object.keys(env).sort(), ['OAUTH_CCG_CLIENT_ID', 'OAUTH_CCG_CLIENT_SECRET', 'OAUTH_CCG_ISSUER', 'OAUTH_CCG_SCOPE']);
    assert.match(output, /alias oauth-ccg='node .+\/cli\/oauth-ccg\.js'/);
    const apiUrl = /oauth-ccg curl -- -s (\S+)/.exec(output)?.[1] ?? '';

    const discover = await home.run(['discover', env.OAUTH_CCG_ISSUER!], { env });
    assert.equal(discover.code, 0, discover.stderr);
    assert.match(discover.stdout, /^token_endpoint\s+http:\/\/127\.0\.0\.1:\d+\/token$/m);
    const token = await home.run(['token'], { env });
    assert.equal(token.code, 0, token.stderr);
    const curl = await home.run(['curl', '--', '-s', apiUrl], { env });
    assert.equal(curl.code, 0, curl.stderr);
    assert.deepEqual(JSON.parse(curl.stdout), { clientId: env.OAUTH_CCG_CLIENT_ID, scope: 'read write' });
    const inspect = await home.run(['inspect', '-'], { env, stdin: token.stdout });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /^Opaque token \(43 characters\)/);
  } finally {
    await home.remove();
    demo.kill('SIGINT');
  }
  const [code] = (await once(demo, 'exit')) as [number | null];
  assert.equal(code, 0, output);
  assert.match(output, /servers stopped/);
});
