import type { Profile } from '../profile.ts';
import type { Cell, Row, ScenarioResult } from '../scenarios/scenario.ts';
import { formatCell } from './format.ts';

/**
 * `unsettled`: the figure's confidence interval reaches both sides of the target, so this run cannot tell.
 * `reported`: a figure stated for what it is, with no target to meet.
 */
export type Verdict = 'yes' | 'no' | 'unsettled' | 'reported';

export interface TargetCheck {
  scenario: string;
  target: string;
  measured: string;
  met: Verdict;
}

interface Target {
  scenario: string;
  /** The row the target is set on, by name when it is one of oauth-ccg's variants; oauth-ccg's own by default. */
  variant?: string;
  target: string;
  /** `rows`: all of the scenario's, for a target set on several of them (the fleet's, at every size). */
  check(subject: Row, floor: Row | undefined, profile: Profile, rows: readonly Row[]): { measured: string; met: Verdict };
}

const num = (cell: Cell | undefined): number => (typeof cell === 'number' ? cell : NaN);
const verdict = (met: boolean): Verdict => (met ? 'yes' : 'no');

/** An overhead row's ratio to the fetch floor (or to its HTTP client's floor), with its 95% interval when the run has one. */
function overheadRatio(cells: Record<string, Cell>, key: 'floorRatio' | 'baselineRatio' = 'floorRatio'): { measured: string; low: number; high: number } {
  const [low, high] = [num(cells[`${key}Low`]), num(cells[`${key}High`])];
  const interval = Number.isNaN(low) ? '' : ` (95% interval ${cells[`${key}Interval`]})`;
  return { measured: `${formatCell(cells[key], 'ratio')}${interval}`, low, high };
}

/**
 * The fleet scenario's rows by fleet size (roles `floor` and `subject`), its run with Redis killed (role
 * `variant`) left out, and each size's figure in words: "1 process: 1.00, 4 processes: 0.97".
 */
function atEveryFleetSize(rows: readonly Row[], words: (row: Row) => string): { sizes: Row[]; measured: string } {
  const sizes = rows.filter((row) => row.contender.role !== 'variant');
  return { sizes, measured: sizes.map((row) => `${row.contender.name}: ${words(row)}`).join(', ') };
}

const heapGrowthUnder1MB: Target['check'] = ({ cells }, _floor, profile) => ({
  measured: `${formatCell(cells.heapGrowth, 'bytes')} over ${formatCell(profile.overheadHeapCalls, 'count')} calls`,
  met: verdict(num(cells.heapGrowth) < 1024 * 1024),
});

/** The names of the contenders in bench/contenders/oauth-ccg-dpop.ts and oauth-ccg-axios.ts (not imported: those modules load dist/). */
const DPOP = 'oauth-ccg, DPoP';
const AXIOS_ADAPTER = 'oauth-ccg, axios adapter';

/** The figures oauth-ccg aims at (issue 4): benchmark figures, not timed tests. */
const TARGETS: Target[] = [
  {
    scenario: 'cold-burst',
    target: '1 token request, every call succeeds',
    check: ({ cells }, _floor, profile) => ({
      measured: `${formatCell(cells.tokenRequests, 'count')} token request(s), ${formatCell(cells.succeeded, 'count')} of ${formatCell(profile.coldBurstCalls, 'count')} succeeded`,
      met: verdict(cells.tokenRequests === 1 && cells.succeeded === profile.coldBurstCalls),
    }),
  },
  {
    scenario: 'rollover',
    target: '0 calls wait on a token request',
    check: ({ cells }) => ({ measured: `${formatCell(cells.waited, 'count')} waited`, met: verdict(cells.waited === 0) }),
  },
  {
    scenario: 'rollover',
    target: "p99 within 10% of the fetch floor's p99",
    check: ({ cells }, floor) => {
      const ratio = num(cells.p99) / num(floor?.cells.p99);
      return {
        measured: `${formatCell(cells.p99, 'ms')} vs ${formatCell(floor?.cells.p99, 'ms')} (×${ratio.toFixed(2)})`,
        met: verdict(ratio <= 1.1),
      };
    },
  },
  {
    scenario: 'storm',
    target: '1 token request, every call succeeds',
    check: ({ cells }, _floor, profile) => ({
      measured: `${formatCell(cells.tokenRequests, 'count')} token request(s), ${formatCell(cells.succeeded, 'count')} of ${profile.stormCalls} succeeded`,
      met: verdict(cells.tokenRequests === 1 && cells.succeeded === profile.stormCalls),
    }),
  },
  {
    scenario: 'transient',
    target: '0 calls fail after the recovery',
    check: ({ cells }) => ({ measured: `${formatCell(cells.failedAfter, 'count')} failed`, met: verdict(cells.failedAfter === 0) }),
  },
  {
    scenario: 'overhead',
    target: "at least 0.97 of the fetch floor's calls per second",
    check: ({ cells }) => {
      const { measured, low, high } = overheadRatio(cells);
      const met = Number.isNaN(low) ? verdict(num(cells.floorRatio) >= 0.97) : low >= 0.97 ? 'yes' : high < 0.97 ? 'no' : 'unsettled';
      return { measured, met };
    },
  },
  { scenario: 'overhead', target: 'heap growth under 1 MB', check: heapGrowthUnder1MB },
  {
    // A signature per call is a cost DPoP cannot avoid; the figure is what the README states it costs.
    scenario: 'overhead',
    variant: DPOP,
    target: "none: its fraction of the fetch floor's calls per second, reported",
    check: ({ cells }) => ({ measured: overheadRatio(cells).measured, met: 'reported' }),
  },
  { scenario: 'overhead', variant: DPOP, target: 'heap growth under 1 MB', check: heapGrowthUnder1MB },
  {
    // Set against plain axios, since a call through axios costs what it costs whatever sets its token.
    scenario: 'overhead',
    variant: AXIOS_ADAPTER,
    target: "none: its fraction of plain axios's calls per second (fixed header, same rounds), reported",
    check: ({ cells }) => ({ measured: overheadRatio(cells, 'baselineRatio').measured, met: 'reported' }),
  },
  { scenario: 'overhead', variant: AXIOS_ADAPTER, target: 'heap growth under 1 MB', check: heapGrowthUnder1MB },
  {
    scenario: 'private-key-jwt',
    target: 'cold burst: 1 token request, every call succeeds',
    check: ({ cells }, _floor, profile) => ({
      measured: `${formatCell(cells.tokenRequests, 'count')} token request(s), ${formatCell(cells.succeeded, 'count')} of ${formatCell(profile.coldBurstCalls, 'count')} succeeded; token requests at ×${formatCell(cells.rateRatio, 'ratio')} the rate of client_secret_basic (${formatCell(cells.timePerRequest, 'ms')} each)`,
      met: verdict(cells.tokenRequests === 1 && cells.succeeded === profile.coldBurstCalls),
    }),
  },
  {
    scenario: 'fleet',
    target: '1 token request per renewal at every fleet size',
    check: (_subject, _floor, _profile, rows) => {
      const { sizes, measured } = atEveryFleetSize(rows, ({ cells }) => `${formatCell(cells.perRenewal, 'ratio')} (${formatCell(cells.tokenRequests, 'count')} of at most ${formatCell(cells.allowedTokenRequests, 'count')})`);
      return { measured, met: verdict(sizes.every(({ cells }) => num(cells.tokenRequests) <= num(cells.allowedTokenRequests))) };
    },
  },
  {
    scenario: 'fleet',
    target: '0 failed calls at every fleet size',
    check: (_subject, _floor, _profile, rows) => {
      const { sizes, measured } = atEveryFleetSize(rows, ({ cells }) => formatCell(cells.failed, 'count'));
      return { measured, met: verdict(sizes.every(({ cells }) => cells.failed === 0)) };
    },
  },
  {
    scenario: 'fleet',
    target: "p99 within 10% of 1 process's at every fleet size",
    check: (_subject, _floor, _profile, rows) => {
      const { sizes, measured } = atEveryFleetSize(rows, ({ cells }) => `${formatCell(cells.p99, 'ms')} (×${formatCell(cells.p99Ratio, 'ratio')})`);
      return { measured, met: verdict(sizes.every(({ cells }) => num(cells.p99Ratio) <= 1.1)) };
    },
  },
  {
    scenario: 'fleet',
    target: 'Redis killed halfway: 0 failed calls (token requests reported)',
    check: (_subject, _floor, _profile, rows) => {
      const killed = rows.find((row) => row.contender.role === 'variant');
      return {
        measured: `${killed?.contender.name ?? 'no such run'}: ${formatCell(killed?.cells.failed, 'count')} failed; token requests ${formatCell(killed?.cells.tokenRequestsByPhase, 'text')}`,
        met: verdict(killed?.cells.failed === 0),
      };
    },
  },
  {
    scenario: 'cli',
    target: 'cold run: 1 token request; warm runs: none (the cache)',
    check: ({ cells }) => ({
      measured: `${formatCell(cells.coldTokenRequests, 'count')} cold, ${formatCell(cells.warmTokenRequests, 'count')} warm`,
      met: verdict(cells.coldTokenRequests === 1 && cells.warmTokenRequests === 0),
    }),
  },
  {
    scenario: 'cli',
    target: 'a warm run takes at most 1.5× the wall time of `node -e 0`',
    check: ({ cells }) => ({
      measured: `${formatCell(cells.warmMs, 'ms')} vs ${formatCell(cells.nodeMs, 'ms')} (×${formatCell(cells.startupRatio, 'ratio')})`,
      met: verdict(num(cells.startupRatio) <= 1.5),
    }),
  },
];

export function checkTargets(results: readonly ScenarioResult[], profile: Profile): TargetCheck[] {
  return TARGETS.flatMap((target) => {
    const result = results.find((r) => r.id === target.scenario);
    const subject = result?.rows.find((row) => (target.variant === undefined ? row.contender.role === 'subject' : row.contender.name === target.variant));
    if (!result || !subject) return [];
    const floor = result.rows.find((row) => row.contender.role === 'floor');
    const scenario = target.variant === undefined ? result.title : `${result.title}: ${target.variant}`;
    return [{ scenario, target: target.target, ...target.check(subject, floor, profile, result.rows) }];
  });
}
