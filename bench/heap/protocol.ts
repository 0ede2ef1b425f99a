import type { Env } from '../contenders/contender.ts';

/** What the bench asks of a heap probe process, passed as its only argument (JSON). */
export interface ProbeRequest {
  module: string;
  env: Omit<Env, 'issueFixedToken'> & { fixedToken: string };
  warmupCalls: number;
  calls: number;
  concurrency: number;
}

export type ProbeReply = { heapGrowth: number; failed: number; firstFailure?: string } | { error: string };
