/**
 * `npm run bench` (or `npm run bench -- --quick`): drives every library through the same scenarios
 * against local servers, measures their bundle sizes, then writes BENCHMARKS.md and bench/chart.svg.
 * `--only <scenario>` (a name in SCENARIOS) runs one scenario, for working on it: the report then has
 * that scenario's section alone.
 */
import { writeFile } from 'node:fs/promises';
import { loadContenders } from './contenders/index.ts';
import { profileFromArgs } from './profile.ts';
import { renderChart } from './report/chart.ts';
import { describeMachine, outputPath } from './report/environment.ts';
import { renderMarkdown } from './report/markdown.ts';
import { checkTargets } from './report/targets.ts';
import { commandLine } from './scenarios/cli.ts';
import { coldBurst } from './scenarios/cold-burst.ts';
import { fleet } from './scenarios/fleet.ts';
import { overhead } from './scenarios/overhead.ts';
import { privateKeyJwt } from './scenarios/private-key-jwt.ts';
import { rollover } from './scenarios/rollover.ts';
import { CLIENT_SECRET, type Context, type Scenario, type ScenarioResult } from './scenarios/scenario.ts';
import { storm } from './scenarios/storm.ts';
import { transient } from './scenarios/transient.ts';
import { startServers } from './servers/control.ts';
import { measureBundles, optionalModulesInCore } from './size/size.ts';

const CHART = 'bench/chart.svg';
const SCENARIOS: Record<string, Scenario> = { 'cold-burst': coldBurst, rollover, storm, transient, overhead, 'private-key-jwt': privateKeyJwt, fleet, cli: commandLine };

const started = Date.now();
const log = (message: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const profile = profileFromArgs(process.argv.slice(2));
const scenarios = selectedScenarios(process.argv.slice(2));
const { contenders, variants, unavailable } = await loadContenders();
for (const { module, reason } of unavailable) log(`not available: ${module} (${reason})`);

const servers = await startServers(CLIENT_SECRET);
const ctx: Context = { servers, profile, contenders, variants, log };
const results: ScenarioResult[] = [];
try {
  for (const scenario of scenarios) {
    const result = await scenario.run(ctx);
    log(`${result.title} done`);
    results.push(result);
  }
} finally {
  servers.stop();
}

const sizes = await measureBundles('dist/esm');
const optionalInCore = await optionalModulesInCore('dist/esm');
log('bundle sizes measured');

const machine = describeMachine();
const markdown = renderMarkdown({
  profile,
  date: new Date(),
  minutes: (Date.now() - started) / 60_000,
  machine,
  contenders: [...contenders, ...variants],
  unavailable,
  results,
  targets: checkTargets(results, profile),
  sizes,
  optionalInCore,
  chart: CHART,
});
const details = `${profile.name} run · Node ${machine.node} · ${machine.cpu} × ${machine.cores} · details in BENCHMARKS.md`;
await writeFile(outputPath('BENCHMARKS.md'), markdown);
await writeFile(outputPath(CHART), await renderChart(results, details));
log('wrote BENCHMARKS.md and bench/chart.svg');
// An optional feature in the client_secret path's start-up chunks is a regression, whatever the timings say.
if (Object.values(optionalInCore).some((modules) => modules.length > 0)) process.exitCode = 1;

function selectedScenarios(args: readonly string[]): Scenario[] {
  const at = args.indexOf('--only');
  if (at === -1) return Object.values(SCENARIOS);
  const scenario = SCENARIOS[args[at + 1] ?? ''];
  if (scenario === undefined) throw new Error(`--only takes one of: ${Object.keys(SCENARIOS).join(', ')}`);
  return [scenario];
}
