import { now } from '../clock.ts';
import type { Instance } from '../contenders/contender.ts';

export interface TimedCall {
  callId: string;
  start: number;
  end: number;
  /** The HTTP status, when the library resolved with one. */
  status?: number;
  /** What the library threw, when it threw. */
  error?: string;
}

export async function timedCall(instance: Instance, callId: string): Promise<TimedCall> {
  const start = now();
  try {
    const status = await instance.call(callId);
    return { callId, start, end: now(), status };
  } catch (error) {
    return { callId, start, end: now(), error: describeError(error) };
  }
}

export function succeeded(call: TimedCall): boolean {
  return call.status === 200;
}

/** `count` calls, all started at once. */
export function burst(instance: Instance, count: number, prefix: string): Promise<TimedCall[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => timedCall(instance, `${prefix}${i}`)));
}

/** Keeps `concurrency` calls in flight, each worker calling again as soon as its call ends, while `more()`. */
export async function pool(concurrency: number, more: () => boolean, work: () => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more()) await work();
    }),
  );
}

export interface Repeated {
  /** Calls made, failed ones included. */
  calls: number;
  elapsedMs: number;
  failed: number;
  firstFailure?: string;
}

/** How far a run of calls goes: a number of calls, or as many as start within a time. */
export type Extent = { calls: number } | { ms: number };

/**
 * Calls with one call id, `concurrency` at a time, until `extent` is reached: the steady load of the
 * overhead scenario. The elapsed time includes the calls still in flight when the extent is reached.
 */
export async function repeatCalls(instance: Instance, callId: string, extent: Extent, concurrency: number): Promise<Repeated> {
  const repeated: Repeated = { calls: 0, elapsedMs: 0, failed: 0 };
  const start = now();
  let started = 0;
  const more = 'calls' in extent ? () => started++ < extent.calls : () => now() - start < extent.ms;
  await pool(concurrency, more, async () => {
    const call = await timedCall(instance, callId);
    repeated.calls += 1;
    if (succeeded(call)) return;
    repeated.failed += 1;
    repeated.firstFailure ??= call.error ?? `HTTP ${call.status}`;
  });
  repeated.elapsedMs = now() - start;
  return repeated;
}

export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${errorName(error)}: ${error.message || '(no message)'}` : String(error);
  const line = text.split('\n')[0]!;
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Generated SDK errors often keep the name "Error"; their class name says more (PayPal's CustomError). */
function errorName(error: Error): string {
  const status = (error as { statusCode?: unknown }).statusCode;
  const name = error.name === 'Error' ? error.constructor.name : error.name;
  return typeof status === 'number' ? `${name} (HTTP ${status})` : name;
}

/** Words on the calls that did not succeed: how many, and the most common reason. */
export function failureNote(calls: readonly TimedCall[]): string | undefined {
  const reasons = new Map<string, number>();
  for (const call of calls) {
    if (succeeded(call)) continue;
    const reason = call.error ?? `HTTP ${call.status}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  if (reasons.size === 0) return undefined;
  const [reason, count] = [...reasons].sort((a, b) => b[1] - a[1])[0]!;
  const failed = calls.length - calls.filter(succeeded).length;
  return `${failed} of ${calls.length} calls failed, ${count} with "${reason}"`;
}
