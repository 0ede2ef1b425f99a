// Starts the processes of a fleet (fleet-worker.ts), waits until each has made its first call, and
// collects what each saw once told to stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig, WorkerReport } from './fleet-worker.ts';

export type { FleetStore, WorkerConfig, WorkerReport } from './fleet-worker.ts';

const WORKER = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));

export interface Worker {
  readonly process: ChildProcess;
  /** Resolves once the worker's first call is done; rejects if it exits first. */
  readonly ready: Promise<void>;
  /** Tells the worker to finish; resolves with what it saw, rejects if it exits without a report (it crashed, or was killed). */
  stop(): Promise<WorkerReport>;
}

/** Starts one worker process. */
export function startWorker(config: WorkerConfig): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, FLEET_CONFIG: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // A killed worker's stdin is closed under the writer.
  child.stdin.on('error', () => {});
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      const line = stdout.trim().split('\n').at(-1);
      if (code === 0 && line?.startsWith('{')) resolve(JSON.parse(line) as WorkerReport);
      else reject(new Error(`fleet worker exited with ${signal ?? code}: ${stderr.slice(-2_000)}`));
    });
  });
  const readyOrExited = Promise.race([ready, report.then(() => Promise.reject(new Error('the worker exited before its first call')))]);
  // Awaited only by the test that wants them: a killed worker's report is an expected rejection.
  report.catch(() => {});
  readyOrExited.catch(() => {});
  return {
    process: child,
    ready: readyOrExited,
    stop() {
      child.stdin.end('stop\n');
      return report;
    },
  };
}

export interface Fleet {
  readonly workers: readonly Worker[];
  /** Stops every worker and collects their reports. */
  stop(): Promise<WorkerReport[]>;
}

/** Starts `size` workers with one configuration and resolves once each has made its first call. */
export async function startFleet(size: number, config: WorkerConfig): Promise<Fleet> {
  const workers = Array.from({ length: size }, () => startWorker(config));
  await Promise.all(workers.map((worker) => worker.ready));
  return { workers, stop: () => Promise.all(workers.map((worker) => worker.stop())) };
}

/** The `share` quantile of every call's latency, in milliseconds. */
export function latencyQuantile(reports: readonly WorkerReport[], share: number): number {
  const all = reports.flatMap((report) => report.latencies).sort((a, b) => a - b);
  return all[Math.min(all.length - 1, Math.floor(share * all.length))] ?? 0;
}
