/** How much work each scenario does: the full run, or `--quick` (under two minutes). */
export interface Profile {
  name: 'full' | 'quick';
  coldBurstCalls: number;
  /** Length of one continuous rollover window. */
  rolloverSeconds: number;
  /** Windows per library, the libraries taking turns; the figures pool them. */
  rolloverPasses: number;
  rolloverConcurrency: number;
  stormCalls: number;
  transientCallsAfterRecovery: number;
  /** The fleet: how many processes share a token in each run (the run of 1 is the baseline), and how long each run's window lasts. */
  fleetSizes: readonly number[];
  fleetSeconds: number;
  /**
   * How long one rate measurement makes calls. Bounded by time rather than by calls, so that the rate
   * phase takes as long on a slow machine as on a fast one; each library is measured once per round, the
   * libraries taking turns between measurements of the floor.
   */
  overheadMeasurementMs: number;
  overheadRounds: number;
  /**
   * After the rounds, how long oauth-ccg and the floor go on alone, alternately: the target's ratio needs
   * more measurements than a round gives each library to be bounded within a percent or two.
   */
  overheadSubjectMs: number;
  /** Calls per library over which heap growth is measured, each library in a process of its own. */
  overheadHeapCalls: number;
  /** Calls before the heap is first read: enough for sockets, JIT and the like to reach their steady state. */
  overheadHeapWarmupCalls: number;
  overheadWarmupCalls: number;
  overheadConcurrency: number;
  /** private_key_jwt: how long one measurement of token requests per second lasts, and how many rounds (both methods in each) there are. */
  signingMeasurementMs: number;
  signingRounds: number;
  /** The command line: rounds of one warm `oauth-ccg token` and one `node -e 0` each. */
  cliRounds: number;
}

const FULL: Profile = {
  name: 'full',
  coldBurstCalls: 1000,
  rolloverSeconds: 10,
  rolloverPasses: 4,
  rolloverConcurrency: 20,
  stormCalls: 100,
  transientCallsAfterRecovery: 100,
  fleetSizes: [1, 2, 4, 8],
  fleetSeconds: 30,
  overheadMeasurementMs: 400,
  overheadRounds: 150,
  overheadSubjectMs: 12 * 60_000,
  overheadHeapCalls: 200_000,
  overheadHeapWarmupCalls: 5_000,
  overheadWarmupCalls: 2_000,
  overheadConcurrency: 20,
  signingMeasurementMs: 400,
  signingRounds: 25,
  cliRounds: 30,
};

const QUICK: Profile = {
  ...FULL,
  name: 'quick',
  // Sized to finish within about three minutes, build included, on a slow 2-core machine (plain fetch at about
  // 1,500 calls/s); the fleet's three runs of processes take about 50 s of it.
  rolloverSeconds: 2,
  rolloverPasses: 1,
  fleetSizes: [1, 4],
  fleetSeconds: 8,
  overheadMeasurementMs: 100,
  overheadRounds: 6,
  overheadSubjectMs: 2_000,
  overheadHeapCalls: 1_500,
  overheadWarmupCalls: 300,
  overheadHeapWarmupCalls: 500,
  signingMeasurementMs: 100,
  signingRounds: 6,
  cliRounds: 8,
};

export function profileFromArgs(args: readonly string[]): Profile {
  return args.includes('--quick') ? QUICK : FULL;
}
