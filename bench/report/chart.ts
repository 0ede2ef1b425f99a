import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Contender } from '../contenders/contender.ts';
import type { Figure, ScenarioResult } from '../scenarios/scenario.ts';
import { formatCell } from './format.ts';

interface Panel {
  scenario: string;
  figure: string;
  title: string;
  /** symlog draws 0 and spans orders of magnitude, which token request counts do. */
  scale: 'linear' | 'symlog';
  /** Cells holding the bounds of the figure's confidence interval, drawn as a line across the bar's end. */
  interval?: { low: string; high: string };
}

const DECADES = [0, 1, 10, 100, 1000, 10_000];

const PANELS: Panel[] = [
  { scenario: 'cold-burst', figure: 'tokenRequests', title: 'Cold burst: token requests (fewer is better)', scale: 'symlog' },
  { scenario: 'rollover', figure: 'waited', title: 'Rollover: calls that waited on a token request', scale: 'symlog' },
  { scenario: 'rollover', figure: 'p99', title: 'Rollover: p99 latency, ms (lower is better)', scale: 'linear' },
  { scenario: 'storm', figure: 'succeeded', title: '401 storm: calls that succeeded (more is better)', scale: 'linear' },
  { scenario: 'transient', figure: 'failedAfter', title: 'Transient failure: calls failed after recovery', scale: 'linear' },
  { scenario: 'overhead', figure: 'floorRatio', title: 'Overhead: calls/s relative to the fetch floor (line: 95% interval)', scale: 'linear', interval: { low: 'floorRatioLow', high: 'floorRatioHigh' } },
  { scenario: 'fleet', figure: 'perRenewal', title: 'Fleet sharing through Redis: token requests per renewal', scale: 'linear' },
  { scenario: 'fleet', figure: 'p99Ratio', title: 'Fleet: p99 relative to 1 process (lower is better)', scale: 'linear' },
];

const COLORS: Record<Contender['role'], string> = { subject: '#e4572e', floor: '#9e9e9e', peer: '#4c78a8', variant: '#f4a582' };

/** The first words of a cell in words ("n/a", "failed", "no token cache") fit beside a bar. */
const shortWords = (words: string): string => words.split(':')[0]!.slice(0, 24);

function panelSpec(panel: Panel, result: ScenarioResult, libraries: string[]) {
  const figure = result.figures.find((f) => f.key === panel.figure) as Figure;
  const values = result.rows.map((row) => {
    const cell = row.cells[panel.figure];
    const numeric = typeof cell === 'number' && !Number.isNaN(cell);
    const value = numeric ? cell : 0;
    const low = panel.interval && row.cells[panel.interval.low];
    const high = panel.interval && row.cells[panel.interval.high];
    const interval = typeof low === 'number' && typeof high === 'number' ? { low, high } : {};
    return {
      library: row.contender.name,
      role: row.contender.role,
      value,
      ...interval,
      // Past the interval's line, where there is one, so the two do not overlap.
      labelAt: Math.max(value, interval.high ?? value),
      label: numeric ? formatCell(cell, figure.format).replace(' ms', '') : shortWords(String(cell)),
    };
  });
  const y = { field: 'library', type: 'nominal', sort: libraries, title: null };
  const axis = panel.scale === 'symlog' ? { values: DECADES.filter((d) => d <= Math.max(1, ...values.map((v) => v.value))) } : {};
  const x = { field: 'value', type: 'quantitative', scale: { type: panel.scale }, axis, title: null };
  return {
    title: { text: panel.title, anchor: 'start', fontSize: 12 },
    width: 190,
    height: { step: 16 },
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: { y, x, color: { field: 'role', scale: { domain: Object.keys(COLORS), range: Object.values(COLORS) }, legend: null } },
      },
      ...(panel.interval ? [{ mark: { type: 'rule', color: '#333' }, encoding: { y, x: { ...x, field: 'low' }, x2: { field: 'high' } } }] : []),
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { y, x: { ...x, field: 'labelAt' }, text: { field: 'label' } } },
    ],
  };
}

/** The headline figure of each scenario as a small bar chart per panel, rendered to SVG without a browser. */
export async function renderChart(results: readonly ScenarioResult[], details: string): Promise<string> {
  const libraries = results[0]?.rows.map((row) => row.contender.name) ?? [];
  const panels = PANELS.flatMap((panel) => {
    const result = results.find((r) => r.id === panel.scenario);
    return result ? [panelSpec(panel, result, libraries)] : [];
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'oauth-ccg and other client-credentials libraries, same scenarios, same run',
      subtitle: ['oauth-ccg in orange; the fixed-token floors (fetch without and with a timeout, axios) and the fleet\'s single process in grey', details],
      anchor: 'start',
    },
    columns: 2,
    spacing: { row: 24, column: 80 },
    concat: panels,
    config: { background: 'white', font: 'Helvetica, Arial, sans-serif', view: { stroke: null }, axis: { labelFontSize: 10, labelLimit: 0 } },
  } as TopLevelSpec;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
