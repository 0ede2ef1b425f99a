// One process of the file-store tests: it opens a FileTokenStore on the directory named by its argument
// and does what the test process asks over IPC, so that tests race real processes on one directory.
// Requests may carry `startAt` (epoch ms): the worker waits until then, so that the workers of a round
// start together rather than in the order their messages arrived.
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileTokenStore } from '../../src/file.ts';
import { changeIfUnchanged, snapshotOf } from '../../src/stores/file/content-claim.ts';

export type WorkerRequest =
  | { readonly task: 'call'; readonly method: 'get' | 'set' | 'setIfAbsent' | 'expireIf' | 'deleteIf'; readonly args: readonly (string | number)[] }
  | { readonly task: 'renew-refused'; readonly key: string; readonly refused: string; readonly fresh: string }
  | { readonly task: 'count-under-lock'; readonly key: string; readonly counter: string; readonly rounds: number; readonly stallRound: number }
  | { readonly task: 'hold-claim'; readonly path: string };

export type WorkerReply = { readonly id: number; readonly result?: unknown; readonly error?: string };

const store = new FileTokenStore({ directory: process.argv[2]! });

process.on('message', async ({ id, startAt, request }: { id: number; startAt?: number; request: WorkerRequest }) => {
  if (startAt !== undefined) await sleep(startAt - Date.now());
  let reply: WorkerReply;
  try {
    reply = { id, result: await perform(request) };
  } catch (error) {
    reply = { id, error: String((error as Error).stack ?? error) };
  }
  process.send!(reply);
});
process.send!({ ready: true });

async function perform(request: WorkerRequest): Promise<unknown> {
  switch (request.task) {
    case 'call':
      return (store[request.method] as (...args: readonly (string | number)[]) => Promise<unknown>)(...request.args);
    case 'renew-refused':
      return renewRefused(request.key, request.refused, request.fresh);
    case 'count-under-lock':
      return countUnderLock(request.key, request.counter, request.rounds, request.stallRound);
    case 'hold-claim':
      return holdClaim(request.path);
  }
}

/** What a process does when the API refused `refused`: only the process that removes it stores a new token. */
async function renewRefused(key: string, refused: string, fresh: string): Promise<boolean> {
  if (!(await store.deleteIf(key, refused))) return false;
  await store.set(key, fresh, 10_000);
  return true;
}

/**
 * Uses the store's lock as a mutex around a read-modify-write of a plain file, `rounds` times. Lost
 * increments would show two holders at once. In `stallRound` the worker holds a short lease past its end
 * without counting, as a stalled holder would, and then finds that it can neither extend nor release the
 * lock another process has taken meanwhile. Answers what went against the contract.
 */
async function countUnderLock(key: string, counter: string, rounds: number, stallRound: number): Promise<string[]> {
  const faults: string[] = [];
  for (let round = 0; round < rounds; round++) {
    const me = `${process.pid}-${round}`;
    const stalls = round === stallRound;
    const leaseMs = stalls ? 200 : 10_000;
    while (!(await store.setIfAbsent(key, me, leaseMs))) await sleep(Math.random() * 3);
    if (stalls) {
      await sleep(leaseMs + 100);
      if (await store.expireIf(key, me, 10_000)) faults.push(`round ${round}: a lapsed lease was extended`);
      if (await store.deleteIf(key, me)) faults.push(`round ${round}: a lapsed lease was released`);
      continue;
    }
    const count = Number(await readFile(counter, 'utf8'));
    await sleep(1);
    if (!(await store.expireIf(key, me, leaseMs))) faults.push(`round ${round}: the holder could not extend its lease`);
    await writeFile(counter, String(count + 1));
    if (!(await store.deleteIf(key, me))) faults.push(`round ${round}: the holder could not release its lock`);
  }
  return faults;
}

/** Claims the file at `path` as a change would, answers once it holds the claim, and never lets go. */
async function holdClaim(path: string): Promise<string> {
  const snapshot = await snapshotOf(path);
  if (snapshot === undefined) throw new Error(`nothing to claim at ${path}`);
  return new Promise((claimed) => {
    void changeIfUnchanged(path, snapshot, () => {
      claimed('claimed');
      return new Promise<void>(() => {});
    });
  });
}
