/**
 * Milliseconds on the system-wide monotonic clock. Unlike `performance.now()`, whose origin is each
 * process's start, these readings are comparable between the bench process and its server process,
 * which is what lets a call's start be compared with the moment a token was issued.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
