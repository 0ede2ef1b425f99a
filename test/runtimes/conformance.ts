// Runs every scenario in order on the runtime it is loaded in, and reports each one by name: passed,
// failed (with why), or unsupported here (with why). Never stops early, never leaves one out.
import { scenarios } from './scenarios.ts';
import type { ScenarioResult, World } from './world.ts';

export async function runConformance(world: World): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const started = Date.now();
    const unsupported = scenario.unsupportedBecause?.(world);
    if (unsupported !== undefined) {
      results.push({ scenario: scenario.name, outcome: 'unsupported', detail: unsupported, ms: 0 });
      continue;
    }
    try {
      await scenario.run(world);
      results.push({ scenario: scenario.name, outcome: 'passed', ms: Date.now() - started });
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      results.push({ scenario: scenario.name, outcome: 'failed', detail, ms: Date.now() - started });
    }
  }
  return results;
}
