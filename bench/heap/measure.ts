import { moduleOf } from '../contenders/index.ts';
import type { Contender } from '../contenders/contender.ts';
import { firstMessage, forkTs } from '../fork.ts';
import { newEnv, withTimeout } from '../scenarios/scenario.ts';
import type { Servers } from '../servers/control.ts';
import type { ProbeReply, ProbeRequest } from './protocol.ts';

export interface HeapOptions {
  warmupCalls: number;
  calls: number;
  concurrency: number;
  timeoutMs: number;
}

/** Heap growth over `calls` calls of one library, measured in a process of its own. */
export async function measureHeapGrowth(servers: Servers, contender: Contender, { timeoutMs, ...calls }: HeapOptions): Promise<ProbeReply> {
  const { issueFixedToken, ...env } = newEnv(servers, contender, 'heap');
  const request: ProbeRequest = { module: moduleOf(contender), env: { ...env, fixedToken: await issueFixedToken() }, ...calls };
  const child = forkTs(new URL('./probe.ts', import.meta.url), [JSON.stringify(request)], ['--expose-gc']);
  try {
    return await withTimeout(firstMessage<ProbeReply>(child), timeoutMs);
  } finally {
    child.kill();
  }
}
