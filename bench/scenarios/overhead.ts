import { now } from '../clock.ts';
import type { Contender, Instance } from '../contenders/contender.ts';
import { measureHeapGrowth } from '../heap/measure.ts';
import { describeError, repeatCalls, type Extent } from './calls.ts';
import { missingCapabilities, newEnv, withTimeout, wordsRow, type Cell, type Context, type Figure, type Scenario } from './scenario.ts';
import { median, medianInterval } from './stats.ts';

const FIGURES: Figure[] = [
  { key: 'rate', label: 'Calls per second', format: 'rate', better: 'higher' },
  { key: 'floorRatio', label: 'Ratio to the fetch floor', format: 'ratio', comparable: false },
  { key: 'floorRatioInterval', label: 'Ratio: 95% interval', format: 'text', comparable: false },
  { key: 'baselineRatio', label: "Ratio to its HTTP client's floor", format: 'ratio', comparable: false },
  { key: 'heapGrowth', label: 'Heap growth', format: 'bytes', comparable: false },
];

const PHASE_TIMEOUT_MS = 180_000;
/** 200,000 calls of a library that makes a token request per call take minutes on a busy 2-core machine. */
const HEAP_TIMEOUT_MS = 600_000;

/** What one library did in the scenario, filled in phase by phase. */
interface Tally {
  contender: Contender;
  cells: Record<string, Cell>;
  notes: string[];
  /** Why the library could not finish the scenario; its cells then say so. */
  failure?: string;
  failedCalls: number;
  firstFailedCall?: string;
}

interface Rated {
  tally: Tally;
  instance: Instance;
  /** Calls per second, one figure per measurement. */
  rates: number[];
  /** Calls made, one figure per measurement. */
  counts: number[];
  /**
   * How many of the measurements were made in the rounds, where every library was measured alike: the
   * rates shown come from these alone, since oauth-ccg and the floor are measured again afterwards, at
   * another moment of the machine's drift.
   */
  inRounds: number;
  /** The rate divided by the floor's, measured just before and just after it: one figure per round. */
  ratios: number[];
}

/**
 * The median of `ratios` under `key`, and where the true median lies with at least 95% confidence, under
 * `key` + Low, High and Interval (the bounds in words, for the table).
 */
function ratioCells(key: string, ratios: readonly number[]): Record<string, Cell> {
  const cells: Record<string, Cell> = { [key]: ratios.length > 0 ? median(ratios) : NaN };
  const interval = medianInterval(ratios);
  if (interval) {
    const [low, high] = interval;
    cells[`${key}Low`] = low;
    cells[`${key}High`] = high;
    // Rounded outward, so that the interval shown holds the one computed: a target it spans is then seen to lie inside it.
    cells[`${key}Interval`] = `${(Math.floor(low * 100) / 100).toFixed(2)}–${(Math.ceil(high * 100) / 100).toFixed(2)}`;
  }
  return cells;
}

/** Calls per second over `extent`, and the calls made; failed calls are tallied when a tally is given. */
async function callRate(instance: Instance, extent: Extent, concurrency: number, tally?: Tally): Promise<{ rate: number; calls: number }> {
  const { calls, elapsedMs, failed, firstFailure } = await repeatCalls(instance, 'overhead', extent, concurrency);
  if (tally) {
    tally.failedCalls += failed;
    tally.firstFailedCall ??= firstFailure;
  }
  return { rate: (calls / elapsedMs) * 1000, calls };
}

/**
 * 5: calls with a cached token, as fast as each library goes. Rates come from rounds in which the
 * libraries take turns (A, B, C, then B, C, A, ...) so that drift in the machine's speed, and the
 * advantage of going first or last, fall on all alike. Heap growth is measured apart, each library in
 * a process of its own, because memory one library frees late (idle sockets closing, timers) would
 * otherwise be credited to another. Without a token cache there is no cached token to measure a
 * rate with; such a library takes part in the heap measurement only. oauth-ccg's variants (DPoP, whose
 * proofs are signed per call) take their turns like the libraries, against the same floor.
 */
export const overhead: Scenario = {
  async run(ctx: Context) {
    const { overheadMeasurementMs, overheadRounds, overheadSubjectMs, overheadHeapCalls, overheadHeapWarmupCalls, overheadWarmupCalls, overheadConcurrency: concurrency } = ctx.profile;
    await ctx.servers.control.configure({ tokenLatencyMs: 0, tokenLifetimeSeconds: 3600, apiLatencyMs: 0, recordCalls: false });
    const tallies = [...ctx.contenders, ...ctx.variants].map((contender): Tally => ({ contender, cells: {}, notes: missingCapabilities(contender, ['reusesToken']), failedCalls: 0 }));
    const fail = (tally: Tally, error: unknown) => void (tally.failure ??= `failed: ${describeError(error)}`);

    // Rates.
    let rated: Rated[] = [];
    for (const tally of tallies) {
      if (!tally.contender.capabilities.reusesToken) {
        tally.cells.rate = tally.cells.floorRatio = 'no token cache';
        continue;
      }
      try {
        const instance = await tally.contender.create(newEnv(ctx.servers, tally.contender, 'overhead'));
        // Warm-up: the first token, connection pools and JIT, none of which is per-call overhead.
        await withTimeout(callRate(instance, { calls: overheadWarmupCalls }, concurrency), PHASE_TIMEOUT_MS);
        rated.push({ tally, instance, rates: [], counts: [], ratios: [], inRounds: 0 });
      } catch (error) {
        fail(tally, error);
      }
    }
    // Each library is measured between two measurements of the floor, and its ratio taken against their
    // mean: load from elsewhere on the machine comes and goes within seconds, and would otherwise fall on
    // one side of a ratio and not the other.
    const floor = rated.find((entry) => entry.tally.contender.role === 'floor');
    const measure = async (entry: Rated): Promise<number | undefined> => {
      try {
        const { rate, calls } = await withTimeout(callRate(entry.instance, { ms: overheadMeasurementMs }, concurrency, entry.tally), PHASE_TIMEOUT_MS);
        entry.rates.push(rate);
        entry.counts.push(calls);
        return rate;
      } catch (error) {
        fail(entry.tally, error);
        return undefined;
      }
    };
    const measureFloor = async () => (floor && floor.tally.failure === undefined ? measure(floor) : undefined);
    /** Measures each of `entries` followed by the floor, `before` being the floor's measurement just before; returns the floor's last. */
    const bracketed = async (entries: readonly Rated[], before: number | undefined): Promise<number | undefined> => {
      for (const entry of entries) {
        const rate = await measure(entry);
        const after = await measureFloor();
        if (rate !== undefined && before !== undefined && after !== undefined) entry.ratios.push(rate / ((before + after) / 2));
        before = after;
      }
      return before;
    };
    let before = await measureFloor();
    for (let round = 0; round < overheadRounds; round++) {
      ctx.log(`  rates: round ${round + 1} of ${overheadRounds}`);
      const others = rated.filter((entry) => entry !== floor && entry.tally.failure === undefined);
      const start = others.length > 0 ? round % others.length : 0;
      before = await bracketed([...others.slice(start), ...others.slice(0, start)], before);
    }
    for (const entry of rated) entry.inRounds = entry.rates.length;
    // oauth-ccg's ratio is the one a target is set on, and the scatter of a measurement is such that the
    // rounds alone bound it only to a few percent: it gets measurements of its own, bracketed the same way.
    const subject = rated.find((entry) => entry.tally.contender.role === 'subject' && entry.tally.failure === undefined);
    const subjectRatiosFromRounds = subject?.ratios.length ?? 0;
    if (subject && floor) {
      ctx.log(`  rates: ${subject.tally.contender.name} against the floor, ${overheadSubjectMs / 1000} s`);
      const until = now() + overheadSubjectMs;
      while (now() < until && subject.tally.failure === undefined) before = await bracketed([subject], before);
    }
    const callsPerFloorMeasurement = floor ? median(floor.counts.slice(0, floor.inRounds)) : NaN;
    rated = rated.filter((entry) => entry.tally.failure === undefined);
    await Promise.all(rated.map((entry) => entry.instance.close?.()));
    // Medians, so that the bursts of load that a bracket does not cancel move the figures little.
    for (const { tally, rates, ratios, inRounds } of rated) {
      tally.cells.rate = median(rates.slice(0, inRounds));
      if (rated.some((entry) => entry.tally.contender.baseline === tally.contender.name)) tally.cells.baselineRatio = 1;
      if (tally === floor?.tally) {
        tally.cells.floorRatio = 1;
        continue;
      }
      // With how far the median could be from the library's true ratio, given how much the rounds scatter.
      Object.assign(tally.cells, ratioCells('floorRatio', ratios));
    }
    // A library and its HTTP client's floor were each measured against the fetch floor in every round: the
    // quotient of their ratios, round by round, is the library's rate over its floor's with the drift taken out.
    for (const entry of rated) {
      const baseline = rated.find((other) => other.tally.contender.name === entry.tally.contender.baseline);
      if (baseline === undefined) continue;
      const rounds = Math.min(entry.ratios.length, baseline.ratios.length);
      Object.assign(entry.tally.cells, ratioCells('baselineRatio', entry.ratios.slice(0, rounds).map((ratio, round) => ratio / baseline.ratios[round]!)));
    }

    // Heap growth.
    for (const tally of tallies.filter((t) => t.failure === undefined)) {
      ctx.log(`  heap: ${tally.contender.name}`);
      const options = { warmupCalls: overheadHeapWarmupCalls, calls: overheadHeapCalls, concurrency, timeoutMs: HEAP_TIMEOUT_MS };
      const probe = await measureHeapGrowth(ctx.servers, tally.contender, options).catch((error: unknown) => ({ error: describeError(error) }));
      if ('error' in probe) {
        fail(tally, new Error(`heap probe: ${probe.error}`));
        continue;
      }
      tally.cells.heapGrowth = probe.heapGrowth;
      tally.failedCalls += probe.failed;
      tally.firstFailedCall ??= probe.firstFailure;
    }

    return {
      id: 'overhead',
      title: 'Overhead',
      description: [
        `Calls at concurrency ${concurrency} with a token that stays valid, against an API and a token endpoint that answer at once, after ${overheadWarmupCalls.toLocaleString('en')} warm-up calls.`,
        `*Calls per second*: measurements of ${overheadMeasurementMs} ms of calls (the floor made ${Math.round(callsPerFloorMeasurement).toLocaleString('en')} calls in its median measurement), each library measured once in each of ${overheadRounds} rounds (the floor before the first library and after each), the libraries taking turns and each round starting with the next library; the figure is the median of the library's measurements in the rounds.`,
        subject
          ? `${subject.tally.contender.name}, whose ratio a target is set on, was then measured for ${overheadSubjectMs / 60_000 >= 1 ? `${overheadSubjectMs / 60_000} more minutes` : `${overheadSubjectMs / 1000} more seconds`}, alternately with the floor, in the same way: ${(subject.ratios.length - subjectRatiosFromRounds).toLocaleString('en')} more ratios, pooled with its ${subjectRatiosFromRounds} from the rounds (its calls per second, like every library's, are from the rounds alone).`
          : '',
        ...ctx.variants.map((variant) => `*${variant.name}* takes its turn in the rounds like a library. ${variant.usage}`),
        "*Ratio to the fetch floor*: each measurement of a library divided by the mean of the floor's measurements just before and just after it, so that load from elsewhere on the machine, which comes and goes within seconds, falls on both sides of the ratio; the figure is the median of the library's ratios (1.00 = no overhead).",
        "*Ratio: 95% interval*: where the library's true median ratio lies with at least 95% confidence, from the scatter of its ratios (the order statistics that bound a median whatever the distribution). A single measurement of a fraction of a second moves by 10% or more with the machine's own jitter (garbage collection in either process, scheduling), so a difference between two libraries smaller than this interval is not one this run can tell. Nor does the interval cover what changes from one run to the next: each run is a new process that compiles and collects garbage its own way, and the same library's median has moved by up to 4% between runs.",
        "*Ratio to its HTTP client's floor*: for the libraries built on axios, their calls per second relative to plain axios with a fixed header (*axios (fixed token)*, 1.00), which takes its turns in the same rounds: in each round, the library's ratio to the fetch floor divided by plain axios's, and the median over the rounds. What axios itself costs a call is then not counted as the library's.",
        `*Heap growth*: each library alone in a fresh process (started with \`--expose-gc\`): after ${overheadHeapWarmupCalls.toLocaleString('en')} warm-up calls (which take the heap to its steady state: sockets, compiled code) and once the heap has stopped moving, the used heap after full garbage collections is read before and after ${overheadHeapCalls.toLocaleString('en')} calls; the figure is the difference. It is what the library keeps, not what it allocates. Between two readings with no calls in between, the figure moves by a few hundred KB, so only growth well beyond that means a leak.`,
      ]
        .filter(Boolean)
        .join(' '),
      figures: FIGURES,
      rows: tallies.map((tally) => {
        const notes = tally.failedCalls > 0 ? [...tally.notes, `${tally.failedCalls} calls failed, the first with "${tally.firstFailedCall}"`] : tally.notes;
        return tally.failure === undefined ? { contender: tally.contender, cells: tally.cells, notes } : wordsRow(tally.contender, FIGURES, tally.failure, notes);
      }),
    };
  },
};
