/**
 * A heap probe: one library alone in a fresh process (started with --expose-gc), so that nothing
 * another library allocated or released can land in its figure. It warms the client up, waits for
 * the heap to settle, makes the calls, and reports the settled heap's growth over them.
 */
import { loadContender } from '../contenders/index.ts';
import { describeError, repeatCalls } from '../scenarios/calls.ts';
import type { ProbeReply, ProbeRequest } from './protocol.ts';
import { quiesce, settledHeapUsed } from './settle.ts';

const request = JSON.parse(process.argv[2] ?? '{}') as ProbeRequest;

async function probe({ module, env, warmupCalls, calls, concurrency }: ProbeRequest): Promise<ProbeReply> {
  const contender = await loadContender(module);
  const { fixedToken, ...rest } = env;
  const instance = await contender.create({ ...rest, issueFixedToken: async () => fixedToken });
  await repeatCalls(instance, 'heap', { calls: warmupCalls }, concurrency);
  const before = await quiesce();
  const { failed, firstFailure } = await repeatCalls(instance, 'heap', { calls }, concurrency);
  const heapGrowth = (await settledHeapUsed()) - before;
  await instance.close?.();
  return { heapGrowth, failed, firstFailure };
}

const reply: ProbeReply = await probe(request).catch((error: unknown) => ({ error: describeError(error) }));
process.send?.(reply, () => process.exit(0));
