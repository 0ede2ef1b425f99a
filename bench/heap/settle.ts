import { sleep } from '../clock.ts';

/** The heap probe process is started with --expose-gc. */
function gc(): void {
  if (!globalThis.gc) throw new Error('heap measurement needs node --expose-gc');
  globalThis.gc();
}

/**
 * Used heap after full collections, in bytes: what the process keeps, not what it has yet to free.
 * The event loop runs between collections because undici frees a fetch's objects through
 * FinalizationRegistry callbacks, which only run after a collection has found them.
 */
export async function settledHeapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The settled heap once it has stopped moving (at most `maxMs`): what warm-up calls leave to be
 * released later (idle sockets closing, timers) must not count against the measured calls.
 */
export async function quiesce(maxMs = 10_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  let last = await settledHeapUsed();
  while (Date.now() < deadline) {
    await sleep(500);
    const current = await settledHeapUsed();
    if (Math.abs(current - last) < 32 * 1024) return current;
    last = current;
  }
  return last;
}
