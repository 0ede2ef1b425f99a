// The conformance scenarios (./scenarios.ts) on Node, Bun, Deno and workerd, each against oidc-provider
// and the control server under this Node process, on loopback. One bundle of the scenarios and the
// library's source runs unchanged on the three script runtimes; workerd runs the same code as a Worker.
//
// The README's runtime table is rendered from these runs and must match them:
// `UPDATE_README=1 npm run test:runtimes` rewrites it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { startAuthorizationServer, type AuthorizationServer } from '../support/authorization-server.ts';
import { startControlServer, type ControlServer } from './control-server.ts';
import { runtimes, type Bundles } from './runtimes.ts';
import { scenarios } from './scenarios.ts';
import type { ScenarioResult, World } from './world.ts';

/** Long enough that the renewal scenario's call lands between the renewal point and the margin on a slow machine (see its comments). */
const SHORT_TOKEN_TTL_SECONDS = 5;

let authorizationServer: AuthorizationServer;
let controlServer: ControlServer;
let directory: string;
let bundles: Bundles;
const ran: { runtime: string; version: string; results: ScenarioResult[] }[] = [];

before(async () => {
  authorizationServer = await startAuthorizationServer({ shortTokenTtlSeconds: SHORT_TOKEN_TTL_SECONDS });
  controlServer = await startControlServer(authorizationServer);
  const { basic, shortLived, privateKeyJwtEs256, tlsClientAuth } = authorizationServer.clients;
  directory = await mkdtemp(join(tmpdir(), 'oauth-ccg-runtimes-'));
  const nodeModule = join(directory, 'node.mjs');
  await writeFile(nodeModule, await bundleNodeEntry('src/node.ts'));
  const fileModule = join(directory, 'file.mjs');
  await writeFile(fileModule, await bundleNodeEntry('src/file.ts'));
  const libraries = { axios: join(directory, 'axios.mjs'), undici: join(directory, 'undici.mjs') };
  await writeFile(libraries.axios, await bundleNodeEntry('axios'));
  await writeFile(libraries.undici, await bundleNodeEntry('undici'));
  const world: World = {
    tokenUrl: authorizationServer.tokenUrl,
    apiUrl: authorizationServer.apiUrl,
    control: controlServer.origin,
    client: basic,
    shortLived: { ...shortLived, ttlSeconds: SHORT_TOKEN_TTL_SECONDS },
    issuer: authorizationServer.issuer,
    privateKeyJwt: { id: privateKeyJwtEs256.id, kid: privateKeyJwtEs256.key.kid, jwk: privateKeyJwtEs256.key.jwk as World['privateKeyJwt']['jwk'], pem: privateKeyJwtEs256.key.pem },
    mtls: {
      tokenUrl: authorizationServer.mtls.tokenUrl,
      apiUrl: authorizationServer.mtls.apiUrl,
      clientId: tlsClientAuth.id,
      cert: tlsClientAuth.certificate.cert,
      key: tlsClientAuth.certificate.key,
      ca: authorizationServer.certificates.ca,
      nodeModule: pathToFileURL(nodeModule).href,
    },
    fileStore: { module: pathToFileURL(fileModule).href, directory: join(directory, 'file-store') },
    libraries: { axios: pathToFileURL(libraries.axios).href, undici: pathToFileURL(libraries.undici).href },
  };
  bundles = { script: join(directory, 'main.mjs'), worker: await bundle('test/runtimes/worker.ts', world), scratch: directory };
  await writeFile(bundles.script, await bundle('test/runtimes/main.ts', world));
});
after(async () => {
  await controlServer?.close();
  await authorizationServer?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

for (const runtime of runtimes) {
  test(`on ${runtime.name}`, async (t) => {
    const started = Date.now();
    const results = await runtime.run(bundles);
    t.diagnostic(`${runtime.name} ran the scenarios in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    ran.push({ runtime: runtime.name, version: await runtime.version(), results });
    assert.deepEqual(results.map((result) => result.scenario), scenarios.map((scenario) => scenario.name), 'every scenario reported, by name, in order');
    for (const result of results) {
      await t.test(result.scenario, (scenarioTest) => {
        if (result.outcome === 'unsupported') return scenarioTest.skip(`${runtime.name} cannot run "${result.scenario}": ${result.detail}`);
        assert.equal(result.outcome, 'passed', result.detail);
      });
    }
  });
}

test("the README's runtime table is the one these runs give", async () => {
  assert.equal(ran.length, runtimes.length, 'a runtime did not run');
  const readme = await readFile('README.md', 'utf8');
  const table = /(<!-- runtime-table[^\n]*-->\n)[^]*?(<!-- \/runtime-table -->)/;
  assert.match(readme, table, 'README.md has no runtime table markers');
  const current = readme.replace(table, `$1${runtimeTable()}$2`);
  if (process.env.UPDATE_README === '1') await writeFile('README.md', current);
  else assert.equal(readme, current, 'README.md: the runtime table differs from this run; UPDATE_README=1 npm run test:runtimes rewrites it');
});

function runtimeTable(): string {
  const cell = (result: ScenarioResult | undefined): string =>
    result?.outcome === 'passed' ? 'passes' : result?.outcome === 'unsupported' ? `cannot: ${result.detail}` : '**fails**';
  const rows = [
    `| scenario | ${ran.map((run) => `${run.runtime} ${run.version}`).join(' | ')} |`,
    `| --- |${' --- |'.repeat(ran.length)}`,
    ...scenarios.map((scenario) => `| ${scenario.name} | ${ran.map((run) => cell(run.results.find((result) => result.scenario === scenario.name))).join(' | ')} |`),
  ];
  return `${rows.join('\n')}\n`;
}

/**
 * The scenarios with the library's own source (not dist/, which may be stale), as one ES module with `WORLD`
 * set. The npm packages in it (the OpenTelemetry SDK; axios in the Worker) are their web builds: see `browserBuilds`.
 */
async function bundle(entryPoint: string, world: World): Promise<string> {
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    plugins: [browserBuilds],
    alias: {
      'oauth-ccg': './src/index.ts',
      'oauth-ccg/axios': './src/axios.ts',
      'oauth-ccg/undici': './src/undici.ts',
      'oauth-ccg/otel': './src/otel.ts',
    },
    define: { WORLD: JSON.stringify(world) },
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

/**
 * A package's web build, as a bundler for the browser or for Workers makes it: the file replacements of its
 * package.json's `browser` field, which esbuild applies on its browser platform only. The OpenTelemetry SDK
 * and axios replace their Node modules (which import node:os, node:http, …) with web-standard ones there.
 */
const browserBuilds: Plugin = {
  name: 'browser-builds',
  setup(build) {
    const resolving = Symbol('resolving');
    build.onResolve({ filter: /.*/ }, async ({ path, importer, kind, resolveDir, pluginData }) => {
      if (pluginData === resolving) return undefined;
      const resolved = await build.resolve(path, { importer, kind, resolveDir, pluginData: resolving });
      const packageRoot = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resolved.path)?.[1];
      if (resolved.errors.length > 0 || packageRoot === undefined) return undefined;
      const { browser } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { browser?: unknown };
      const replacement = typeof browser === 'object' && browser !== null ? (browser as Record<string, unknown>)[`./${relative(packageRoot, resolved.path)}`] : undefined;
      return typeof replacement === 'string' ? { path: join(packageRoot, replacement) } : undefined;
    });
  },
};

/**
 * An entry point that needs Node's modules (oauth-ccg/node, with undici inside; oauth-ccg/file) from source,
 * or an npm package (axios, undici) as Node resolves it, imported by URL from the temporary directory, where
 * no node_modules is. undici is CommonJS: its `require`s of Node's modules need a `require` in the ES module.
 */
async function bundleNodeEntry(entryPoint: string): Promise<string> {
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}
