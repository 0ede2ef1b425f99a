// The package as a user gets it: `npm pack` (which builds), publint, arethetypeswrong, then scratch
// projects that install the tarball, type-check against it and call the test authorization server.
//
// Entry points come from package.json's `exports` and `bin`: a new one joins every check here by being
// published there, with no list to keep in step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { optionalModulesInCore } from '../../bench/size/size.ts';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.ts';
import { commands, core, entryPoints, manifest } from './entry-points.ts';

const SCRATCH = resolve('node_modules/.cache/oauth-ccg-package-check');
const CONSUMER_FILES = resolve('test/package/consumer');
/** The repository's TypeScript, and the oldest the declarations support (a workspace of its own). */
const COMPILERS = [resolve('node_modules/typescript/bin/tsc'), resolve('test/package/typescript-5.0/node_modules/typescript/bin/tsc')];
const ATTW = resolve('node_modules/@arethetypeswrong/cli/dist/index.js');
const TYPEDOC = resolve('node_modules/typedoc/bin/typedoc');

/** What ships, and nothing else: the builds, the sources their maps point at, and the documents with what the README links to. */
const SHIPPED = /^(?:dist\/(?:esm|cjs)\/.+|src\/.+\.ts|examples\/[\w-]+\.ts|package\.json|README\.md|LICENSE|CHANGELOG\.md|BENCHMARKS\.md|bench\/chart\.svg)$/;

interface Consumer {
  name: string;
  type: 'module' | 'commonjs';
  compilerOptions: Record<string, unknown>;
  /** Type-checked by tsc, then bundled by esbuild instead of compiled by tsc. */
  bundled?: true;
}

/** One project per way TypeScript and Node read a package. Those with `types: ['node']` get `fetch` and friends from @types/node, the bundler one from lib DOM. */
const CONSUMERS: Consumer[] = [
  { name: 'esm-node16', type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16', types: ['node'] } },
  { name: 'esm-nodenext', type: 'module', compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'] } },
  { name: 'esm-bundler', type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM'], types: [], noEmit: true }, bundled: true },
  { name: 'cjs-node16', type: 'commonjs', compilerOptions: { module: 'node16', moduleResolution: 'node16', types: ['node'] } },
];

let tarball: string;
let packedFiles: string[];
let unpacked: string;
let server: AuthorizationServer;

before(async () => {
  await rm(SCRATCH, { recursive: true, force: true });
  await mkdir(SCRATCH, { recursive: true });
  const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', SCRATCH], '.')) as [{ filename: string; files: { path: string }[] }];
  tarball = join(SCRATCH, packed.filename);
  packedFiles = packed.files.map((file) => file.path);
  unpacked = join(SCRATCH, 'unpacked');
  await mkdir(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], '.');
  server = await startAuthorizationServer();
});
after(() => server?.close());

test('the tarball holds the builds, their sources, README, LICENSE and CHANGELOG, and nothing else', () => {
  assert.deepEqual(packedFiles.filter((file) => !SHIPPED.test(file)), []);
  for (const document of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/cjs/package.json']) assert.ok(packedFiles.includes(document), document);
  for (const entry of entryPoints) {
    for (const file of [...Object.values(entry.files), ...Object.values(entry.files).map((path) => `${path}.map`)]) {
      assert.ok(packedFiles.includes(file), `${entry.specifier}: ${file}`);
    }
    assert.ok(packedFiles.includes(entry.source), `${entry.specifier}: ${entry.source}`);
  }
});

test('every source map and declaration map in the tarball resolves to a file in the tarball', async () => {
  const maps = packedFiles.filter((file) => file.endsWith('.map'));
  assert.ok(maps.length >= 4 * entryPoints.length);
  for (const map of maps) {
    const { sources, sourcesContent } = JSON.parse(await readFile(join(unpacked, map), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
    assert.equal(sourcesContent, undefined, `${map} embeds its sources: the package ships them once, in src/`);
    for (const source of sources) assert.ok(packedFiles.includes(join(dirname(map), source)), `${map} points at ${source}`);
  }
});

test('no declaration file imports a .ts path', async () => {
  const declarations = packedFiles.filter((file) => file.endsWith('.d.ts'));
  for (const file of declarations) {
    assert.doesNotMatch(await readFile(join(unpacked, file), 'utf8'), /(?:from\s*|import\(\s*)["']\.\.?\/[^"']*\.ts["']/, file);
  }
});

test("the README's links work on the registry's page: anchors, or this version's files on unpkg", async () => {
  const readme = await readFile(join(unpacked, 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
  assert.ok(links.length > 5);
  const shipped = `https://unpkg.com/${manifest.name}@${manifest.version}/`;
  for (const link of links) {
    if (link.startsWith('#')) continue;
    if (link.startsWith('https://unpkg.com/')) {
      assert.ok(link.startsWith(shipped), `${link} is not this version's copy (${shipped})`);
      assert.ok(packedFiles.includes(link.slice(shipped.length)), `${link}: the package does not ship it`);
    } else {
      assert.match(link, /^https:\/\//, `${link} is relative: dead on the registry's page`);
    }
  }
});

test('publint finds nothing, suggestions included', async () => {
  const tarballData = await readFile(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: new Uint8Array(tarballData).buffer }, level: 'suggestion', strict: true });
  assert.deepEqual(messages.map((message) => formatMessage(message, pkg) ?? message.code), []);
});

test('arethetypeswrong finds types, and no problem, for every entry point under node10, node16 (ESM and CommonJS) and bundler', async () => {
  // Its exit code is 0 for a package without any types: the JSON says what it found.
  const report = JSON.parse(await run('node', [ATTW, tarball, '--format', 'json'], '.', { allowFailure: true })) as {
    analysis: { types: false | { kind: string }; problems: unknown[]; entrypoints: Record<string, unknown> };
  };
  assert.notEqual(report.analysis.types, false, 'no types found');
  assert.deepEqual(report.analysis.problems, []);
  assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), Object.keys(manifest.exports).sort());
});

test("no optional entry point's modules, nor any lazily loaded dependency's, nor the command's, are in the client_secret path's start-up chunks", async (t) => {
  const optionalParts = [
    ...entryPoints.filter((entry) => entry !== core).map((entry) => entry.specifier),
    ...Object.keys(manifest.dependencies ?? {}),
    ...commands.map((command) => `bin ${command.name}`),
  ];
  if (optionalParts.length === 0) return t.skip('no optional entry point and no dependency yet: every export is the core');
  // Every optional part checked, each found in none of the start-up chunks.
  assert.deepEqual(await optionalModulesInCore('src'), Object.fromEntries(optionalParts.map((part) => [part, []])));
});

test('every exported symbol and member of every entry point is documented (typedoc --validation.notDocumented)', async () => {
  const sources = entryPoints.flatMap((entry) => ['--entryPoints', entry.source]);
  // --disableSources: no source links are emitted, and reading the git remote for them warns in a clone of a local path (as CI's is).
  // `[Symbol.asyncDispose]` comes from a mapped type (so that the published types need no disposable lib),
  // and a mapped member cannot carry a comment; AsyncDisposableByClose documents it.
  const mappedMembers = ['Client', 'ClientCredentialsAuthManager'].flatMap((owner) => ['--intentionallyNotDocumented', `index.${owner}.[asyncDispose]`]);
  await run(
    'node',
    [TYPEDOC, ...sources, '--tsconfig', 'tsconfig.build.json', '--emit', 'none', '--disableSources', '--excludeInternal', '--validation.notDocumented', '--treatWarningsAsErrors', ...mappedMembers],
    '.',
  );
});

describe('a scratch project that installs the tarball', () => {
  before(async () => {
    await writeFile(join(SCRATCH, 'package.json'), JSON.stringify({ private: true }));
    // Optional peers are not installed with the package: a user of an entry point that needs one installs it, as here.
    const optionalPeers = Object.keys(manifest.peerDependenciesMeta ?? {}).map((peer) => `${peer}@${manifest.devDependencies?.[peer] ?? manifest.peerDependencies?.[peer]}`);
    await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', tarball, ...optionalPeers], SCRATCH);
  });

  for (const consumer of CONSUMERS) {
    test(`${consumer.name}: type-checks with TypeScript 5.0 and the current one, and a real call through the package succeeds`, async () => {
      const directory = await createConsumer(consumer);
      const [current, oldest] = COMPILERS as [string, string];
      await run('node', [oldest, '-p', directory, '--noEmit'], directory);
      await run('node', [current, '-p', directory], directory);
      if (consumer.bundled) {
        // The optional peers (axios, undici) stay packages of their own: what is checked is this package's build,
        // and axios's CommonJS dependencies cannot be bundled into an ES module.
        const external = Object.keys(manifest.peerDependencies ?? {});
        await build({ entryPoints: [join(directory, 'program.ts')], bundle: true, platform: 'node', format: 'esm', external, outfile: join(directory, 'out/program.js'), logLevel: 'error' });
      }
      const registered = server.clients.basic;
      const report = JSON.parse(await run('node', [
        'run.mjs',
        join(directory, 'out/program.js'),
        JSON.stringify({ tokenUrl: server.tokenUrl, apiUrl: server.apiUrl, clientId: registered.id, clientSecret: registered.secret }),
        JSON.stringify(entryPoints.map((entry) => entry.specifier)),
      ], directory)) as Record<string, unknown>;

      const crossCopy = { refusalIsOAuthProviderError: true, refusalIsOAuthCcgError: true, refusalIsTimeoutError: false, otherCopysTimeoutErrorIsNetworkError: true, otherCopysNetworkErrorIsTimeoutError: false };
      assert.deepEqual(report, {
        call: { status: 200, clientId: registered.id, tokenType: 'Bearer', events: ['token-wait', 'token-request', 'token-updated'] },
        refusal: 'OAuthProviderError',
        adapters: { axios: 200, undici: 200 },
        twoCopies: true,
        instanceOf: { import: crossCopy, require: crossCopy },
        entryPoints: Object.fromEntries(entryPoints.map((entry) => [entry.specifier, { import: true, require: true }])),
      });
    });
  }

  test('every bin runs with --help', async (t) => {
    const bins = Object.keys(manifest.bin ?? {});
    if (bins.length === 0) return t.skip('no bin yet');
    for (const name of bins) {
      await run(join(SCRATCH, 'node_modules/.bin', name), ['--help'], SCRATCH);
    }
  });
});

test('npx oauth-ccg works from the tarball installed in an empty folder, without the optional peers: --version, and a token cached', async () => {
  const empty = join(SCRATCH, 'npx-in-an-empty-folder');
  await mkdir(empty);
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', tarball], empty);
  assert.equal(await run('npx', ['--no-install', 'oauth-ccg', '--version'], empty), `${manifest.version}\n`);

  const { id, secret } = server.clients.basic;
  const env = { PATH: process.env.PATH, HOME: empty, OAUTH_CCG_TOKEN_URL: server.tokenUrl, OAUTH_CCG_CLIENT_ID: id, OAUTH_CCG_CLIENT_SECRET: secret };
  const requestsBefore = server.tokenRequests.length;
  const first = await run('npx', ['--no-install', 'oauth-ccg', 'token'], empty, { env });
  assert.equal(await run('npx', ['--no-install', 'oauth-ccg', 'token'], empty, { env }), first, 'the second from the cache');
  assert.deepEqual(server.tokenRequests.slice(requestsBefore).map((request) => `${request.accessToken}\n`), [first]);
});

test('the installed command keeps its compiled code beside its tokens: written by a cached run, private, used, and never where --no-cache runs', async () => {
  const home = join(SCRATCH, 'code-cache-home');
  const cache = join(home, '.cache', 'oauth-ccg');
  await mkdir(home, { mode: 0o700 });
  const command = join(SCRATCH, 'node_modules/.bin/oauth-ccg');
  const { basic, privateKeyJwtEs256 } = server.clients;
  const env = { PATH: process.env.PATH, HOME: home, OAUTH_CCG_TOKEN_URL: server.tokenUrl, OAUTH_CCG_CLIENT_ID: basic.id, OAUTH_CCG_CLIENT_SECRET: basic.secret };
  const codeCaches = async () => (await readdir(cache)).filter((name) => name.endsWith('.v8-code'));

  const uncached = await runQuietly(command, ['token', '--no-cache'], home, env);
  assert.deepEqual(uncached, { stdout: `${server.tokenRequests.at(-1)!.accessToken}\n`, stderr: '' });
  await assert.rejects(stat(join(home, '.cache')), { code: 'ENOENT' }, '--no-cache writes nothing, compiled code included');

  const first = await runQuietly(command, ['token'], home, env);
  assert.deepEqual(await codeCaches(), [], 'none from a run that asked the token endpoint (V8 flags changed for its request)');
  assert.deepEqual(await runQuietly(command, ['token'], home, env), first);
  const [file] = await codeCaches();
  assert.ok(file, 'written by the run that read its token from the cache');
  const written = await stat(join(cache, file));
  assert.equal(written.mode & 0o777, 0o600);
  assert.deepEqual(await runQuietly(command, ['token'], home, env), first, 'the same token, and nothing on stderr');
  assert.equal((await stat(join(cache, file))).mtimeMs, written.mtimeMs, 'read, not written again');

  // A cache V8 refuses (damaged), or one others could have written, is not used: the run compiles afresh and writes its own.
  for (const spoil of [() => writeFile(join(cache, file), 'not compiled code'), () => chmod(join(cache, file), 0o666)]) {
    await spoil();
    assert.deepEqual(await runQuietly(command, ['token'], home, env), first);
    assert.equal((await stat(join(cache, file))).mode & 0o777, 0o600);
    assert.ok((await readFile(join(cache, file))).length > 1000, 'compiled code written anew');
  }

  // private_key_jwt imports jose from inside the cached bundle: no warning about how it is loaded reaches stderr.
  const keyFile = join(home, 'es256.pem');
  await writeFile(keyFile, privateKeyJwtEs256.key.pem, { mode: 0o600 });
  const signed = await runQuietly(command, ['token', '--client-id', privateKeyJwtEs256.id, '--private-key', keyFile, '--token-url', server.tokenUrl], home, { ...env, OAUTH_CCG_CLIENT_SECRET: undefined });
  assert.equal(signed.stderr, '');
  assert.match(signed.stdout, /^\S+\n$/);
  assert.deepEqual(await codeCaches(), [file]);
});

/** Runs a command that must succeed; resolves with what it printed on stdout and stderr. */
async function runQuietly(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(command, args, { cwd, env });
  return { stdout, stderr };
}

/** Writes a consumer project: its package.json and tsconfig.json, the shared program, and a module importing every entry point (so each one's types are checked). */
async function createConsumer(consumer: Consumer): Promise<string> {
  const directory = join(SCRATCH, consumer.name);
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'package.json'), JSON.stringify({ private: true, type: consumer.type }));
  const compilerOptions = { target: 'ES2022', lib: ['ES2022'], strict: true, skipLibCheck: false, outDir: 'out', ...consumer.compilerOptions };
  await writeFile(join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['program.ts', 'entry-points.ts'] }));
  await writeFile(join(directory, 'entry-points.ts'), entryPoints.map((entry, index) => `export * as entry${index} from '${entry.specifier}';\n`).join(''));
  for (const file of ['program.ts', 'run.mjs']) await copyFile(join(CONSUMER_FILES, file), join(directory, file));
  return directory;
}

/** Runs a command and resolves with its stdout; a failure carries its output. */
async function run(command: string, args: string[], cwd: string, options: { allowFailure?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, ...(options.env && { env: options.env }) });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (options.allowFailure && stdout) return stdout;
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}
