// `npm start` runs examples/demo.ts: it must exit 0 and print the figures a reader looks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function runDemo(): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The demo must finish well within this; a hang is a failure, not a stuck test run.
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Both tests read the same run: the demo takes several seconds. */
let demo: Promise<Run> | undefined;
const demoRun = (): Promise<Run> => (demo ??= runDemo());

/** The summary table's row for `scenario`, as numbers: calls, token requests, API 401s, failures. */
function summaryRow(stdout: string, scenario: string): number[] {
  const summary = stdout.slice(stdout.indexOf('\nSummary'));
  const row = summary.split('\n').find((line) => line.trim().startsWith(`${scenario}  `));
  assert.ok(row, `the summary has a row for "${scenario}":\n${summary}`);
  return row.trim().slice(scenario.length).trim().split(/\s+/).map(Number);
}

test('npm start: the demo exits 0 and reports calls, token requests and lifetimes', { timeout: 40_000 }, async () => {
  const started = performance.now();
  const { code, signal, stdout, stderr } = await demoRun();
  const elapsed = performance.now() - started;
  const output = `stdout:\n${stdout}\nstderr:\n${stderr}`;

  assert.equal(signal, null, `the demo was killed (${signal}): ${output}`);
  assert.equal(code, 0, output);
  assert.ok(elapsed < 20_000, `the demo took ${Math.round(elapsed)} ms`);
  assert.match(stdout, /All expectations met/);
  assert.doesNotMatch(stdout + stderr, /FAILED/);

  // Section by section.
  assert.match(stdout, /token endpoint\s+http:\/\/127\.0\.0\.1:\d+\/token/);
  assert.match(stdout, /protected API\s+http:\/\/127\.0\.0\.1:\d+\/api/);
  assert.match(stdout, /lifetime 300 s, scope "read write"/);
  assert.match(stdout, /each with lifetime 2 s/);
  assert.match(stdout, /renewals\s+\d+, all in the background/);
  assert.match(stdout, /0 waited after that/);
  assert.match(stdout, /API answers\s+401, then 200/);
  assert.match(stdout, /calls\s+500, all 200/);

  // The summary: calls, token requests, API 401s, failures.
  assert.deepEqual(summaryRow(stdout, 'first call'), [1, 1, 0, 0]);
  assert.deepEqual(summaryRow(stdout, 'reuse'), [20, 0, 0, 0]);
  const [renewalCalls = 0, renewalTokenRequests = 0, ...renewalRest] = summaryRow(stdout, 'expiry and renewal');
  assert.ok(renewalCalls > 20, `expiry and renewal made ${renewalCalls} calls`);
  assert.ok(renewalTokenRequests >= 2, `expiry and renewal made ${renewalTokenRequests} token requests`);
  assert.deepEqual(renewalRest, [0, 0]);
  assert.deepEqual(summaryRow(stdout, '401 recovery'), [1, 1, 1, 0]);
  assert.deepEqual(summaryRow(stdout, 'burst'), [500, 1, 0, 0]);
});

test('the demo prints no secret and no whole token', { timeout: 40_000 }, async () => {
  const { code, stdout, stderr } = await demoRun();
  assert.equal(code, 0, stderr);
  for (const secret of ['basic-secret', 'short-lived-secret', 'post-secret']) assert.ok(!(stdout + stderr).includes(secret), `${secret} printed`);
  // oidc-provider's opaque tokens are 43 base64url characters; only 6-character fingerprints may appear.
  assert.doesNotMatch(stdout + stderr, /[A-Za-z0-9_-]{20,}/);
  assert.ok(stdout.split('\n').length <= 45, `the demo printed ${stdout.split('\n').length} lines`);
});
