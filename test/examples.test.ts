// Runs each example under examples/ as its own process against the real authorization server, and checks
// both what it printed and what the servers saw.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';

let server: AuthorizationServer;
let scratch: string;
before(async () => {
  server = await startAuthorizationServer();
  scratch = await mkdtemp(join(tmpdir(), 'oauth-ccg-examples-'));
});
after(async () => {
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});
beforeEach(() => server.reset());

async function runExample(name: string, database = join(scratch, `${name}.json`)): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    timeout: 30_000,
    env: {
      ...process.env,
      API_BASE_URL: server.apiUrl,
      TOKEN_URL: server.tokenUrl,
      CLIENT_ID: server.clients.basic.id,
      CLIENT_SECRET: server.clients.basic.secret,
      TOKEN_DATABASE: database,
    },
  });
  return stdout;
}

test('automatic-token: the first call fetches the token, the second reuses it', async () => {
  const output = await runExample('automatic-token');
  assert.match(output, /first call: 200/);
  assert.match(output, /second call: 200/);
  assert.equal(server.tokenRequests.length, 1);
  assert.equal(server.apiRequests.length, 2);
});

test('token-update-callback: the new token is saved as JSON', async () => {
  const database = join(scratch, 'callback.json');
  assert.match(await runExample('token-update-callback', database), /call: 200/);
  const saved = JSON.parse(await readFile(database, 'utf8')) as { accessToken: string; expiry: number };
  assert.equal(saved.accessToken, server.tokenRequests[0]?.accessToken);
  assert.equal(typeof saved.expiry, 'number');
});

test('custom-token-provider: fetches when the database is empty, then reuses the stored token', async () => {
  const database = join(scratch, 'provider.json');
  assert.match(await runExample('custom-token-provider', database), /call: 200/);
  assert.equal(server.tokenRequests.length, 1);
  assert.match(await runExample('custom-token-provider', database), /call: 200/);
  assert.equal(server.tokenRequests.length, 1, 'the second process used the stored token');
  assert.equal(server.apiRequests.length, 2);
});

test('manual-fetch-token: fetches and stores a token, then a later run restores it', async () => {
  const database = join(scratch, 'manual.json');
  const first = await runExample('manual-fetch-token', database);
  assert.match(first, /fetched and stored a new token\ncall: 200\nstored-token client call: 200/);
  const second = await runExample('manual-fetch-token', database);
  assert.match(second, /restored the stored token\ncall: 200/);
  assert.equal(server.tokenRequests.length, 1);
});

test('scopes: read and write are granted; a read-only client is refused the write call', async () => {
  const output = await runExample('scopes');
  assert.match(output, /write call: 200 granted scope: read write/);
  assert.match(output, /read-only write call: 403/);
  assert.deepEqual(server.tokenRequests.map((request) => request.params.scope), ['read write', 'read']);
});

test('clock-skew: the skew decides when a token counts as expired', async () => {
  const output = await runExample('clock-skew');
  assert.match(output, /expired with a 30 s skew\? false/);
  assert.match(output, /expired with a skew of its whole lifetime\? true/);
});
