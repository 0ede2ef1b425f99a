// The `oauth-ccg` command, run as a child process against oidc-provider: every command and format, the
// exit status of each class of failure, where a secret may and may not appear.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAuthorizationServer, WRONG_ISSUER, type AuthorizationServer, type RegisteredClient } from './support/authorization-server.ts';
import { createCliHome, type CliHome, type CliRun } from './support/cli.ts';

let server: AuthorizationServer;
let home: CliHome;

before(async () => {
  server = await startAuthorizationServer();
  home = await createCliHome();
});
after(async () => {
  await server?.close();
  await home?.remove();
});
beforeEach(() => {
  server.reset();
  server.setDiscovery({ wrongIssuer: false, oauthAuthorizationServerPath: true });
  server.setTokenEndpointDelay(0);
});

/** The environment that names a client: the token endpoint, its id and secret. */
function clientEnv(client: RegisteredClient = server.clients.basic): Record<string, string> {
  return { OAUTH_CCG_TOKEN_URL: server.tokenUrl, OAUTH_CCG_CLIENT_ID: client.id, OAUTH_CCG_CLIENT_SECRET: client.secret };
}

/** The access tokens the server issued since the last reset. */
function issuedTokens(): string[] {
  return server.tokenRequests.map((request) => request.accessToken).filter((token) => token !== undefined);
}

function assertSucceeded(run: CliRun): void {
  assert.equal(run.code, 0, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(run.stderr, '', 'nothing on stderr on success');
}

function assertFailed(run: CliRun, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(run.stdout, '', 'nothing on stdout on failure');
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace without -v');
  assert.ok(run.stderr.trim().split('\n').length <= 3, `a short message:\n${run.stderr}`);
}

describe('token', () => {
  test('prints the token alone, as the server issued it, for $(...)', async () => {
    const run = await home.run(['token', '--no-cache'], { env: clientEnv() });
    assertSucceeded(run);
    assert.deepEqual(issuedTokens().map((token) => `${token}\n`), [run.stdout]);
  });

  test('--format header, json and env', async () => {
    const header = await home.run(['token', '--no-cache', '--format', 'header', '--scope', 'read'], { env: clientEnv() });
    assertSucceeded(header);
    assert.equal(header.stdout, `Authorization: Bearer ${issuedTokens()[0]}\n`);

    const json = await home.run(['token', '--no-cache', '--format', 'json', '--scope', 'read', '--scope', 'write'], { env: clientEnv() });
    assertSucceeded(json);
    const token = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(token).sort(), ['accessToken', 'expiresIn', 'expiry', 'scope', 'tokenType']);
    assert.equal(token.accessToken, issuedTokens()[1]);
    assert.equal(token.tokenType, 'Bearer');
    assert.equal(token.scope, 'read write');
    assert.equal(token.expiresIn, server.tokenTtlSeconds);
    assert.ok(Math.abs((token.expiry as number) - (Date.now() / 1000 + server.tokenTtlSeconds)) < 10);

    const env = await home.run(['token', '--no-cache', '--format', 'env'], { env: clientEnv() });
    assertSucceeded(env);
    assert.equal(env.stdout, `OAUTH_CCG_ACCESS_TOKEN='${issuedTokens()[2]}'\n`);
  });

  test('scopes and resources: repeated flags, or space-separated in the environment', async () => {
    assertSucceeded(await home.run(['token', '--no-cache', '--scope', 'read', '--resource', server.resources.apiOne], { env: clientEnv() }));
    assertSucceeded(await home.run(['token', '--no-cache'], { env: { ...clientEnv(), OAUTH_CCG_SCOPE: 'read write', OAUTH_CCG_RESOURCE: server.resources.apiTwo } }));
    const [first, second] = server.tokenRequests;
    assert.equal(first?.params.scope, 'read');
    assert.deepEqual(first?.resources, [server.resources.apiOne]);
    assert.equal(second?.params.scope, 'read write');
    assert.deepEqual(second?.resources, [server.resources.apiTwo]);
  });

  test('--issuer discovers the token endpoint', async () => {
    const run = await home.run(['token', '--no-cache', '--issuer', server.issuer], { env: { ...clientEnv(), OAUTH_CCG_TOKEN_URL: undefined } });
    assertSucceeded(run);
    assert.equal(run.stdout, `${issuedTokens()[0]}\n`);
  });

  test('client_secret_post, private_key_jwt from a PEM file, and the secret from a file or stdin', async () => {
    const { post, privateKeyJwtEs256 } = server.clients;
    const secretFile = join(home.path, 'post-secret');
    await writeFile(secretFile, `${post.secret}\n`, { mode: 0o600 });
    const viaFile = await home.run(['token', '--no-cache', '--auth-method', 'client_secret_post', '--client-id', post.id, '--client-secret-file', secretFile], {
      env: { OAUTH_CCG_TOKEN_URL: server.tokenUrl },
    });
    assertSucceeded(viaFile);
    const viaStdin = await home.run(['token', '--no-cache', '--client-id', post.id, '--client-secret-stdin'], { env: { OAUTH_CCG_TOKEN_URL: server.tokenUrl }, stdin: `${post.secret}\n` });
    assertSucceeded(viaStdin);

    const keyFile = join(home.path, 'es256.pem');
    await writeFile(keyFile, privateKeyJwtEs256.key.pem, { mode: 0o600 });
    const viaKey = await home.run(['token', '--no-cache', '--client-id', privateKeyJwtEs256.id, '--private-key', keyFile, '--issuer', server.issuer]);
    assertSucceeded(viaKey);
    assert.deepEqual(
      server.tokenRequests.map((request) => [request.clientId, request.authMethod, request.status]),
      [
        [post.id, 'client_secret_post', 200],
        [post.id, 'client_secret_basic', 200],
        [privateKeyJwtEs256.id, 'private_key_jwt', 200],
      ],
    );
  });

  test('--cert and --key: tls_client_auth at the mTLS endpoint, a certificate-bound token, cached', async () => {
    const { tlsClientAuth } = server.clients;
    const files = { cert: join(home.path, 'client.pem'), key: join(home.path, 'client.key'), ca: join(home.path, 'ca.pem') };
    await writeFile(files.cert, tlsClientAuth.certificate.cert);
    await writeFile(files.key, tlsClientAuth.certificate.key, { mode: 0o600 });
    await writeFile(files.ca, server.certificates.ca);
    const fresh = await createCliHome();
    const args = ['token', '--client-id', tlsClientAuth.id, '--token-url', server.mtls.tokenUrl, '--cert', files.cert, '--key', files.key];
    const run = await fresh.run(args, { env: { NODE_EXTRA_CA_CERTS: files.ca } });
    assertSucceeded(run);
    // With no secret to seal it with, the cache seals the token with the certificate's key.
    const cached = await fresh.run(args, { env: { NODE_EXTRA_CA_CERTS: files.ca } });
    await fresh.remove();
    assertSucceeded(cached);
    assert.equal(cached.stdout, run.stdout);
    assert.equal(server.tokenRequests.length, 1);
    const [request] = server.tokenRequests;
    assert.equal(request?.authMethod, 'tls_client_auth');
    assert.equal((await server.describeToken(run.stdout.trim()))?.certificateThumbprint, tlsClientAuth.certificate.thumbprint);
  });
});

describe('cache', () => {
  /** Each test with an empty home: its own cache. */
  let fresh: CliHome;
  beforeEach(async () => {
    fresh = await createCliHome();
  });
  afterEach(() => fresh.remove());

  test('a second run makes no token request; -v says the token came from the cache', async () => {
    const first = await fresh.run(['token'], { env: clientEnv() });
    assertSucceeded(first);
    const second = await fresh.run(['token', '-v'], { env: clientEnv() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // A 5-minute token, read back within the second it was issued in or later.
    assert.match(second.stderr, /a token from the cache \(type Bearer, expires in (?:4 min \d+ s|5 min)\)/);
    assert.doesNotMatch(second.stderr, /^> /m, 'no HTTP exchange');
    assert.equal(server.tokenRequests.length, 1);
  });

  test('ten runs at once make one token request between them', async () => {
    server.setTokenEndpointDelay(300);
    const runs = await Promise.all(Array.from({ length: 10 }, () => fresh.run(['token'], { env: clientEnv() })));
    for (const run of runs) assertSucceeded(run);
    assert.equal(new Set(runs.map((run) => run.stdout)).size, 1, 'one token for all');
    assert.equal(server.tokenRequests.length, 1);
  });

  test('files 0600 in a 0700 directory; no secret or token in any name, nor in clear in any file', async () => {
    const { basic } = server.clients;
    assertSucceeded(await fresh.run(['token', '--scope', 'read'], { env: clientEnv() }));
    const token = issuedTokens()[0]!;
    assert.equal((await stat(fresh.cacheDirectory)).mode & 0o777, 0o700);
    const names = await readdir(fresh.cacheDirectory);
    assert.deepEqual(names.map((name) => name.replace(/^[\w-]{43}\./, '<digest>.')).sort(), ['<digest>.identity.json', '<digest>.token']);
    for (const name of names) {
      const path = join(fresh.cacheDirectory, name);
      assert.equal((await stat(path)).mode & 0o777, 0o600, name);
      const content = await readFile(path, 'utf8');
      for (const secret of [token, basic.secret]) {
        assert.ok(!name.includes(secret) && !content.includes(secret), `${name} holds a secret`);
      }
    }
  });

  test('cache list: identities, scopes and expiry, never a token; cache clear removes them', async () => {
    const { basic, post } = server.clients;
    assertSucceeded(await fresh.run(['token', '--scope', 'read', '--resource', server.resources.apiOne], { env: clientEnv() }));
    assertSucceeded(await fresh.run(['token', '--issuer', server.issuer], { env: { ...clientEnv(post), OAUTH_CCG_TOKEN_URL: undefined } }));
    const list = await fresh.run(['cache', 'list']);
    assertSucceeded(list);
    assert.match(list.stdout, new RegExp(`^${basic.id} at ${server.tokenUrl}\n {2}Bearer token, expires in (?:4 min \\d+ s|5 min)\n {2}scopes: read; granted: read\n {2}resources: ${server.resources.apiOne}$`, 'm'));
    assert.match(list.stdout, new RegExp(`^${post.id} at ${server.issuer}$`, 'm'));
    const json = await fresh.run(['cache', 'list', '--format', 'json']);
    assertSucceeded(json);
    assert.deepEqual((JSON.parse(json.stdout) as { clientId: string }[]).map((identity) => identity.clientId).sort(), [basic.id, post.id].sort());
    for (const secret of [...issuedTokens(), basic.secret, post.secret]) assert.ok(!(list.stdout + json.stdout).includes(secret));

    const clear = await fresh.run(['cache', 'clear']);
    assertSucceeded(clear);
    assert.match(clear.stdout, /Removed the token cache \(2 identities\)/);
    assert.equal((await fresh.run(['cache', 'list'])).stdout, 'No cached tokens.\n');
    assertSucceeded(await fresh.run(['token'], { env: clientEnv() }));
    assert.equal(server.tokenRequests.length, 3, 'the token is fetched again');
  });

  test('revoke: at the server, then out of the cache; with nothing cached, nothing is asked of anyone', async () => {
    const env = { ...clientEnv(), OAUTH_CCG_REVOCATION_URL: server.revocationUrl };
    assertSucceeded(await fresh.run(['token'], { env }));
    const token = issuedTokens()[0]!;
    const revoke = await fresh.run(['revoke'], { env });
    assertSucceeded(revoke);
    assert.match(revoke.stdout, /Revoked the cached token/);
    assert.equal(server.revocationRequests.length, 1);
    assert.equal(await server.describeToken(token), undefined, 'the server forgot the token');
    assert.equal((await fresh.run(['cache', 'list'])).stdout, 'No cached tokens.\n');

    const again = await fresh.run(['revoke'], { env });
    assertSucceeded(again);
    assert.match(again.stdout, /nothing to revoke/);
    assert.equal(server.revocationRequests.length, 1);
    assert.equal(server.tokenRequests.length, 1, 'no token fetched just to revoke it');
    assertSucceeded(await fresh.run(['token'], { env }));
    assert.equal(server.tokenRequests.length, 2);
  });

  test('fetch with a cached token the API refuses: a new token, one replay, and the new token cached', async () => {
    assertSucceeded(await fresh.run(['token'], { env: clientEnv() }));
    await server.revokeAllTokens();
    const run = await fresh.run(['fetch', `${server.apiUrl}/whoami`], { env: clientEnv() });
    assertSucceeded(run);
    assert.equal(JSON.parse(run.stdout).clientId, server.clients.basic.id);
    assert.deepEqual(server.apiRequests.map((request) => request.outcome), ['invalid_token', 'ok']);
    assert.equal(server.tokenRequests.length, 2);
    assert.equal((await fresh.run(['token'], { env: clientEnv() })).stdout, `${issuedTokens()[1]}\n`);
    assert.equal(server.tokenRequests.length, 2);
  });

  test('--no-cache and --dpop touch nothing on disk', async () => {
    assertSucceeded(await fresh.run(['token', '--no-cache'], { env: clientEnv() }));
    assertSucceeded(await fresh.run(['header', '--dpop', '--url', `${server.apiUrl}/whoami`], { env: clientEnv() }));
    await assert.rejects(stat(join(fresh.path, '.cache')), { code: 'ENOENT' });
  });

  test('a cache directory others can read, or that another user owns, is refused: exit 2, and the fix', async () => {
    await mkdir(fresh.cacheDirectory, { recursive: true, mode: 0o755 });
    await chmod(fresh.cacheDirectory, 0o755);
    assertFailed(await fresh.run(['token'], { env: clientEnv() }), 2, /has mode 755.*chmod 700.*--no-cache/s);
    assertFailed(await fresh.run(['cache', 'list']), 2, /has mode 755/);
    if (process.getuid?.() === 0) {
      await chmod(fresh.cacheDirectory, 0o700);
      await chown(fresh.cacheDirectory, 1, 1);
      assertFailed(await fresh.run(['token'], { env: clientEnv() }), 2, /is owned by user 1/);
    }
    assert.equal(server.tokenRequests.length, 0);
  });
});

describe('header', () => {
  test('prints the Authorization header; --format json the headers as an object', async () => {
    const run = await home.run(['header', '--no-cache'], { env: clientEnv() });
    assertSucceeded(run);
    assert.equal(run.stdout, `Authorization: Bearer ${issuedTokens()[0]}\n`);
    const json = await home.run(['header', '--no-cache', '--format', 'json'], { env: clientEnv() });
    assertSucceeded(json);
    assert.deepEqual(JSON.parse(json.stdout), { authorization: `Bearer ${issuedTokens()[1]}` });
  });

  test('--dpop --url: a DPoP token and a proof for that request, which the API accepts', async () => {
    const url = `${server.apiUrl}/whoami`;
    const run = await home.run(['header', '--dpop', '--url', url], { env: clientEnv() });
    assertSucceeded(run);
    const [authorization, proof] = run.stdout.trim().split('\n');
    assert.equal(authorization, `Authorization: DPoP ${issuedTokens()[0]}`);
    assert.match(proof ?? '', /^DPoP: eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok((await server.describeToken(issuedTokens()[0]!))?.dpopThumbprint);
    // The proof is for GET of that URL, bound to that token: the API takes it.
    const response = await fetch(url, { headers: { authorization: authorization!.slice('Authorization: '.length), dpop: proof!.slice('DPoP: '.length) } });
    assert.equal(response.status, 200, await response.text());
  });

  test('--dpop without --url is a usage error, before any token request', async () => {
    assertFailed(await home.run(['header', '--dpop'], { env: clientEnv() }), 2, /--dpop needs --url/);
    assert.equal(server.tokenRequests.length, 0);
  });
});

describe('curl', () => {
  test("the real curl gets the header, and keeps the caller's stdin for its own -d @-", async () => {
    const whoami = await home.run(['curl', '--no-cache', '--scope', 'read', '--', '-sS', `${server.apiUrl}/whoami`], { env: clientEnv() });
    assertSucceeded(whoami);
    assert.deepEqual(JSON.parse(whoami.stdout), { clientId: server.clients.basic.id, scope: 'read' });
    assert.equal(server.apiRequests[0]?.authorization, `Bearer ${issuedTokens()[0]}`);

    const echo = await home.run(['curl', '--no-cache', '--', '-sS', '-H', 'content-type: text/plain', '--data-binary', '@-', `${server.apiUrl}/echo`], { env: clientEnv(), stdin: 'from stdin' });
    assertSucceeded(echo);
    assert.equal(echo.stdout, 'from stdin');
  });

  test('--dpop --url: the real curl sends a DPoP token and a proof the API accepts', async () => {
    const url = `${server.apiUrl}/whoami`;
    const run = await home.run(['curl', '--dpop', '--url', url, '--', '-sS', '--fail', url], { env: clientEnv() });
    assertSucceeded(run);
    assert.equal(server.apiRequests[0]?.outcome, 'ok');
    assert.match(server.apiRequests[0]?.authorization ?? '', /^DPoP /);
  });

  test("the token is in no process's argv: a stand-in curl records its own and every other process's", async () => {
    const bin = join(home.path, 'stand-in-bin');
    await mkdir(bin, { recursive: true });
    const records = join(home.path, 'stand-in-records');
    // It copies the config curl would read (fd 4), its own arguments, and the command line of every process
    // it can see, then exits with a status of its own, which the command must pass on.
    await writeFile(join(bin, 'curl'), `#!/bin/sh
cat /dev/fd/4 > '${records}.config'
printf '%s\n' "$@" > '${records}.argv'
for cmdline in /proc/[0-9]*/cmdline; do cat "$cmdline" 2>/dev/null; echo; done > '${records}.processes'
exit 7
`, { mode: 0o755 });
    const run = await home.run(['curl', '--no-cache', '--', '-s', 'https://api.example/things'], { env: { ...clientEnv(), PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(run.code, 7, run.stderr);
    const token = issuedTokens()[0]!;
    assert.equal(await readFile(`${records}.config`, 'utf8'), `header = "Authorization: Bearer ${token}"\n`);
    assert.deepEqual((await readFile(`${records}.argv`, 'utf8')).trim().split('\n'), ['-K', '/dev/fd/4', '-s', 'https://api.example/things']);
    // Each line a process, its arguments separated by NUL as /proc has them.
    const processes = (await readFile(`${records}.processes`, 'utf8')).replaceAll('\0', ' ');
    // The command runs from its sources here, and as the package installs it where CLI_BUILT is set.
    const command = /cli\/(?:main\.ts|oauth-ccg\.js)/;
    assert.match(processes, new RegExp(`${command.source} curl`), 'the command itself was among the processes seen');
    assert.ok(!processes.includes(token), 'no process has the token in its argv');
    // The secret is a fixture other suites on this machine may pass around: only this command's processes count.
    const ours = processes.split('\n').filter((line) => command.test(line) || /\/dev\/fd\/4|^cat /.test(line));
    assert.ok(ours.length >= 2, ours.join('\n'));
    assert.ok(!ours.some((line) => line.includes(server.clients.basic.secret)), 'nor the secret');
  });

  test('curl missing from PATH: exit 127 and what to do', async () => {
    const bin = join(home.path, 'no-curl-bin');
    await mkdir(bin, { recursive: true });
    await symlink('/bin/cat', join(bin, 'cat')).catch(() => {});
    const run = await home.run(['curl', '--no-cache', '--', 'https://api.example/things'], { env: { ...clientEnv(), PATH: bin } });
    assert.equal(run.code, 127);
    assert.match(run.stderr, /curl was not found on PATH/);
  });
});

describe('fetch', () => {
  test('GET: the body on stdout', async () => {
    const run = await home.run(['fetch', '--no-cache', '--scope', 'read', `${server.apiUrl}/whoami`], { env: clientEnv() });
    assertSucceeded(run);
    assert.deepEqual(JSON.parse(run.stdout), { clientId: server.clients.basic.id, scope: 'read' });
  });

  test('-X, -H and -d as in curl, the body from a file or stdin (the API echoes it)', async () => {
    const bodyFile = join(home.path, 'body.json');
    await writeFile(bodyFile, '{"from":"file"}');
    const fromArgument = await home.run(['fetch', '--no-cache', '-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"a":1}', `${server.apiUrl}/echo`], { env: clientEnv() });
    assertSucceeded(fromArgument);
    const fromFile = await home.run(['fetch', '--no-cache', '-d', `@${bodyFile}`, `${server.apiUrl}/echo`], { env: clientEnv() });
    assertSucceeded(fromFile);
    const fromStdin = await home.run(['fetch', '--no-cache', '-d', '@-', `${server.apiUrl}/echo`], { env: clientEnv(), stdin: 'from=stdin' });
    assertSucceeded(fromStdin);
    for (const [run, body] of [[fromArgument, '{"a":1}'], [fromFile, '{"from":"file"}'], [fromStdin, 'from=stdin']] as const) {
      assert.equal(run.stdout, body);
    }
  });

  test('a large body goes out whole through a pipe; a reader that stops early ends the command quietly, exit 0', async () => {
    const bodyFile = join(home.path, 'large.txt');
    const body = 'x'.repeat(4 * 1024 * 1024);
    await writeFile(bodyFile, body);
    const args = ['fetch', '--no-cache', '-H', 'Content-Type: text/plain', '-d', `@${bodyFile}`, `${server.apiUrl}/echo`];
    const whole = await home.run(args, { env: clientEnv() });
    assertSucceeded(whole);
    assert.equal(whole.stdout.length, body.length);
    // `… | head -c 10`: head exits while the command still writes; bash reports the command's own status.
    const throughHead = (command: string, commandArgs: string[]): [string, string[]] => [
      'bash',
      ['-c', '"$0" "$@" | head -c 10; echo "status ${PIPESTATUS[0]}" >&2', command, ...commandArgs],
    ];
    const stopped = await home.run(args, { env: clientEnv(), wrap: throughHead });
    assert.equal(stopped.stdout, 'x'.repeat(10));
    assert.equal(stopped.stderr, 'status 0\n');
  });

  test('an API error status: the body on stdout, the status on stderr, exit 1', async () => {
    const run = await home.run(['fetch', '--no-cache', '--scope', 'read', `${server.apiUrl}/write`], { env: clientEnv() });
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { error: 'insufficient_scope' });
    assert.match(run.stderr, /HTTP 403/);
    const missing = await home.run(['fetch', '--no-cache', `${server.apiUrl}/nothing-here`], { env: clientEnv() });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /HTTP 404/);
  });
});

describe('inspect', () => {
  /** A JWT access token (its signature is not one: nothing is verified) that expires in 4 min 30 s. */
  const jwt = () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = { iss: 'https://auth.example', sub: 'svc', aud: 'https://api.example', scope: 'read write', exp: now + 270, iat: now - 30 };
    return `${part({ alg: 'RS256', typ: 'at+jwt', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
  };

  test('a JWT from stdin: header, claims, the expiry in words, and that nothing was verified', async () => {
    const run = await home.run(['inspect', '-'], { stdin: `${jwt()}\n` });
    assertSucceeded(run);
    assert.match(run.stdout, /NOT VERIFIED/);
    assert.match(run.stdout, /RFC 9068 §6/);
    assert.match(run.stdout, /alg: RS256/);
    assert.match(run.stdout, /typ: at\+jwt/);
    assert.match(run.stdout, /scope: read write/);
    assert.match(run.stdout, /exp: \d+ \(\d{4}-\d\d-\d\dT[\d:.]+Z, expires in 4 min \d+ s\)/);
    assert.match(run.stdout, /iat: \d+ \(.+, \d+ s ago\)/);
  });

  test('--format json, and a token given as the argument', async () => {
    const run = await home.run(['inspect', jwt(), '--format', 'json']);
    assertSucceeded(run);
    const decoded = JSON.parse(run.stdout) as { type: string; verified: boolean; header: object; claims: { sub: string }; expiresInSeconds: number };
    assert.equal(decoded.type, 'jwt');
    assert.equal(decoded.verified, false);
    assert.equal(decoded.claims.sub, 'svc');
    assert.ok(decoded.expiresInSeconds > 240 && decoded.expiresInSeconds <= 270, String(decoded.expiresInSeconds));
  });

  test("any other token is opaque, exit 0; without an argument, the options' token", async () => {
    const run = await home.run(['inspect', '--no-cache'], { env: clientEnv() });
    assertSucceeded(run);
    assert.match(run.stdout, /^Opaque token \(43 characters\)/);
    assert.equal(server.tokenRequests.length, 1);
    assert.ok(!run.stdout.includes(issuedTokens()[0]!), 'the opaque token is not printed');
  });
});

describe('discover', () => {
  test('the checked metadata, readable and as JSON', async () => {
    const text = await home.run(['discover', server.issuer]);
    assertSucceeded(text);
    assert.match(text.stdout, new RegExp(`^issuer\\s+${server.issuer}$`, 'm'));
    assert.match(text.stdout, new RegExp(`^token_endpoint\\s+${server.tokenUrl}$`, 'm'));
    assert.match(text.stdout, /^token_endpoint_auth_methods_supported\s+client_secret_basic /m);
    assert.match(text.stdout, /RFC 8414 §3\.3/);
    const json = await home.run(['discover', server.issuer, '--format', 'json']);
    assertSucceeded(json);
    const metadata = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(metadata.token_endpoint, server.tokenUrl);
    assert.equal(metadata.revocation_endpoint, server.revocationUrl);
    assert.deepEqual(metadata.mtls_endpoint_aliases, { token_endpoint: server.mtls.tokenUrl, revocation_endpoint: server.mtls.revocationUrl });
  });
});

describe('exit statuses', () => {
  test('2: an unknown command or option, no stack trace', async () => {
    assertFailed(await home.run(['tokn']), 2, /Unknown command "tokn"/);
    assertFailed(await home.run(['token', '--no-such-option']), 2, /Unknown option '--no-such-option'/);
    assertFailed(await home.run(['discover', server.issuer, '--client-id', 'x']), 2, /discover does not take --client-id/);
    assertFailed(await home.run([]), 2, /Give a command/);
  });

  test('2: a secret on the command line is refused, in every form, and never echoed', async () => {
    for (const args of [['token', '--client-secret', 'hunter2-secret'], ['token', '--client-secret=hunter2-secret'], ['curl', '--client-secret=hunter2-secret', '--', 'x']]) {
      const run = await home.run(args, { env: clientEnv() });
      assertFailed(run, 2, /visible to every user.*OAUTH_CCG_CLIENT_SECRET/s);
      assert.ok(!run.stderr.includes('hunter2'), run.stderr);
    }
    assert.equal(server.tokenRequests.length, 0);
  });

  test("2: the library's refusals of a configuration name the command's options, not the library's fields", async () => {
    const refusals = [
      [['--token-url', 'http://auth.example.com/token'], /--token-url http:\/\/auth\.example\.com is plain http.*Use https \(the command allows plain http to loopback only\)\./],
      [['--auth-method', 'private_key_jwt'], /private_key_jwt needs --private-key FILE \(a PKCS#8 PEM\)\./],
      [['--scope', 'a"b'], /--scope has an invalid scope "a\\"b"/],
    ] as const;
    for (const [options, message] of refusals) {
      const run = await home.run(['token', '--no-cache', ...options], { env: clientEnv() });
      assertFailed(run, 2, message);
      assert.doesNotMatch(run.stderr, /allowInsecureHttp|oAuth[A-Z]|tokenUrl/);
    }
    assert.equal(server.tokenRequests.length, 0);
  });

  test('2: a missing client id, token endpoint or credential; an unreadable key or secret file; a profile that does not exist', async () => {
    assertFailed(await home.run(['token', '--no-cache'], { env: { ...clientEnv(), OAUTH_CCG_CLIENT_ID: undefined } }), 2, /No client id.*--client-id/);
    assertFailed(await home.run(['token', '--no-cache'], { env: { ...clientEnv(), OAUTH_CCG_TOKEN_URL: undefined } }), 2, /No token endpoint.*--token-url/);
    assertFailed(await home.run(['token', '--no-cache'], { env: { ...clientEnv(), OAUTH_CCG_CLIENT_SECRET: undefined } }), 2, /No client credential/);
    assertFailed(await home.run(['token', '--no-cache', '--private-key', '/nonexistent/key.pem'], { env: clientEnv() }), 2, /Cannot read the private key.*\/nonexistent\/key\.pem \(ENOENT\)/);
    assertFailed(await home.run(['token', '--no-cache', '--client-secret-file', '/nonexistent/secret'], { env: clientEnv() }), 2, /Cannot read the client secret file/);
    assertFailed(await home.run(['token', '--no-cache', '--profile', 'nope'], { env: clientEnv() }), 2, /config file .*config\.json/);
    assertFailed(await home.run(['token', '--no-cache', '--timeout', 'soon'], { env: clientEnv() }), 2, /--timeout takes a number of seconds/);
    assertFailed(await home.run(['token', '--no-cache', '--format', 'yaml'], { env: clientEnv() }), 2, /--format bare, header, json, env/);
    assert.equal(server.tokenRequests.length, 0);
  });

  test("3: the authorization server refused, with its error and error_description", async () => {
    const run = await home.run(['token', '--no-cache'], { env: { ...clientEnv(), OAUTH_CCG_CLIENT_SECRET: 'not-the-secret' } });
    assertFailed(run, 3, /refused: invalid_client \(HTTP 401\)\.\n {2}error_description: .+\n {2}Check --client-id/);
    assert.ok(!run.stderr.includes('not-the-secret'));
    const resource = await home.run(['token', '--no-cache', '--resource', 'https://unknown.example'], { env: clientEnv() });
    assertFailed(resource, 3, /invalid_target[\s\S]*Check --resource/);
  });

  test('4: no answer, or none within --timeout', async () => {
    const closedPort = 'http://127.0.0.1:9/token';
    assertFailed(await home.run(['token', '--no-cache', '--token-url', closedPort], { env: clientEnv() }), 4, /failed.*\n\s+Check the URL/);
    server.setTokenEndpointDelay(1_000);
    assertFailed(await home.run(['token', '--no-cache', '--timeout', '0.2'], { env: clientEnv() }), 4, /did not answer within 200 ms[\s\S]*--timeout/);
    // The server records each attempt once it answers: let the last one land here, not in the next test.
    while (server.tokenRequests.length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
  });

  test('5: discovery failed, or the metadata names another issuer', async () => {
    server.setDiscovery({ wrongIssuer: true });
    const token = await home.run(['token', '--no-cache', '--issuer', server.issuer], { env: { ...clientEnv(), OAUTH_CCG_TOKEN_URL: undefined } });
    assertFailed(token, 5, new RegExp(`names the issuer "${WRONG_ISSUER}"[\\s\\S]*Check --issuer`));
    assertFailed(await home.run(['discover', server.issuer]), 5, /RFC 8414 §3\.3/);
    assert.equal(server.tokenRequests.length, 0);
  });

  test('-v shows the stack of a failure', async () => {
    const run = await home.run(['token', '--no-cache', '-v', '--token-url', 'http://127.0.0.1:9/token'], { env: clientEnv() });
    assert.equal(run.code, 4);
    assert.match(run.stderr, /^\s+at /m);
  });
});

describe('configuration sources', () => {
  test('a profile names the client and where its secret is; the environment beats the profile, a flag beats both', async () => {
    const { basic, post } = server.clients;
    const secretFile = join(home.path, 'secrets', 'basic');
    await mkdir(join(home.path, 'secrets'), { recursive: true });
    await writeFile(secretFile, basic.secret, { mode: 0o600 });
    await mkdir(join(home.path, '.config', 'oauth-ccg'), { recursive: true });
    await writeFile(home.configFile, JSON.stringify({
      defaultProfile: 'main',
      profiles: {
        main: { tokenUrl: server.tokenUrl, clientId: basic.id, clientSecretFile: '~/secrets/basic', scopes: ['read'] },
        other: { tokenUrl: server.tokenUrl, clientId: post.id, scopes: ['write'] },
      },
    }));
    try {
      assertSucceeded(await home.run(['token', '--no-cache']));
      assertSucceeded(await home.run(['token', '--no-cache'], { env: { OAUTH_CCG_SCOPE: 'write' } }));
      assertSucceeded(await home.run(['token', '--no-cache', '--scope', 'read', '--scope', 'write'], { env: { OAUTH_CCG_SCOPE: 'write' } }));
      assertSucceeded(await home.run(['token', '--no-cache', '--profile', 'other'], { env: { OAUTH_CCG_CLIENT_SECRET: post.secret } }));
      assert.deepEqual(
        server.tokenRequests.map((request) => [request.clientId, request.params.scope, request.status]),
        [
          [basic.id, 'read', 200],
          [basic.id, 'write', 200],
          [basic.id, 'read write', 200],
          [post.id, 'write', 200],
        ],
      );
      await writeFile(home.configFile, JSON.stringify({ profiles: { main: { tokenUrl: server.tokenUrl, scope: 'read' } } }));
      assertFailed(await home.run(['token', '--no-cache', '--profile', 'main']), 2, /unknown field "scope"/);
      assertFailed(await home.run(['token', '--no-cache', '--profile', 'absent']), 2, /No profile "absent".*Profiles there: main/);
    } finally {
      await writeFile(home.configFile, '{}');
    }
  });
});

describe('output', () => {
  test('-v shows each exchange on stderr, with no secret and no token; stdout still has only the token', async () => {
    const { basic } = server.clients;
    const run = await home.run(['token', '--no-cache', '-v', '--issuer', server.issuer], { env: { ...clientEnv(), OAUTH_CCG_TOKEN_URL: undefined } });
    assert.equal(run.code, 0, run.stderr);
    const token = issuedTokens()[0]!;
    assert.equal(run.stdout, `${token}\n`);
    assert.match(run.stderr, /> GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server/);
    assert.match(run.stderr, /> POST http:\/\/127\.0\.0\.1:\d+\/token/);
    assert.match(run.stderr, /> authorization: Basic \[redacted\]/);
    assert.match(run.stderr, /< 200 OK/);
    assert.match(run.stderr, /"access_token":"\[redacted\]"/);
    for (const secret of [token, basic.secret, Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')]) assert.ok(!run.stderr.includes(secret), secret);
  });

  test("-v with fetch: the API's exchange shown, a token and the user's own credential headers redacted, the body on stdout only", async () => {
    const run = await home.run(['fetch', '--no-cache', '-v', '-H', 'X-Api-Key: user-key-value', `${server.apiUrl}/whoami`], { env: clientEnv() });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /> GET http:\/\/127\.0\.0\.1:\d+\/api\/whoami/);
    assert.match(run.stderr, /> authorization: Bearer \[redacted\]/);
    assert.match(run.stderr, /> x-api-key: \[redacted\]/);
    assert.match(run.stderr, /< 200 OK/);
    assert.doesNotMatch(run.stderr, /"clientId"/, 'the API body is the output, not a diagnostic');
    for (const secret of [issuedTokens()[0]!, server.clients.basic.secret, 'user-key-value']) assert.ok(!run.stderr.includes(secret), secret);
  });

  test('colour on a terminal, and never with NO_COLOR', async () => {
    // `script` gives the command a terminal; its output is what the terminal received.
    const onTerminal = (command: string, args: string[]): [string, string[]] => ['script', ['-qec', [command, ...args].map((arg) => `'${arg}'`).join(' '), '/dev/null']];
    const coloured = await home.run(['tokn'], { wrap: onTerminal });
    assert.match(coloured.stdout, /\x1b\[31merror:\x1b\[0m/);
    const plain = await home.run(['tokn'], { wrap: onTerminal, env: { NO_COLOR: '1' } });
    assert.match(plain.stdout, /oauth-ccg: error: Unknown command/);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
  });

  test('--help lists the commands and the exit statuses; --version the package version', async () => {
    const help = await home.run(['--help']);
    assertSucceeded(help);
    for (const command of ['token', 'header', 'curl', 'fetch', 'inspect', 'revoke', 'discover', 'cache']) assert.match(help.stdout, new RegExp(`^  ${command} `, 'm'));
    assert.match(help.stdout, /Exit status:\n {2}0 {2}success\n {2}1 .+\n {2}2 .+\n {2}3 .+\n {2}4 .+\n {2}5 /);
    const commandHelp = await home.run(['curl', '--help']);
    assertSucceeded(commandHelp);
    assert.match(commandHelp.stdout, /^Usage: oauth-ccg curl /);
    const version = await home.run(['--version']);
    assertSucceeded(version);
    const { version: expected } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(version.stdout, `${expected}\n`);
  });
});

