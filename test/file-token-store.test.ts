// The file store: the TokenStore contract, the privacy of its directory and files, and its atomic
// operations raced by real processes on one directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { ConfigurationError } from '../src/errors.ts';
import { FileTokenStore } from '../src/file.ts';
import { CLAIM_LIFETIME_MS } from '../src/stores/file/content-claim.ts';
import { tokenStoreContract } from './support/token-store-contract.ts';
import type { WorkerReply, WorkerRequest } from './support/file-store-worker.ts';

const root = mkdtempSync(join(tmpdir(), 'oauth-ccg-file-store-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A path under the test's directory that does not exist yet. */
const freshPath = () => join(root, randomUUID());
const digest = () => randomUUID().replaceAll('-', '');
const modeOf = (path: string) => statSync(path).mode & 0o777;

tokenStoreContract('FileTokenStore', () => new FileTokenStore({ directory: join(root, 'contract') }));

describe('the directory', () => {
  test('a missing directory is created, parents included, with mode 0700 whatever the umask', () => {
    // 0o277 takes the owner's own write permission from what mkdir creates; its parents would then be
    // closed to a user other than root, hence no parents there.
    for (const [umask, directory] of [[0, join(freshPath(), 'nested', 'tokens')], [0o077, join(freshPath(), 'nested')], [0o277, freshPath()]] as const) {
      const previous = process.umask(umask);
      try {
        assert.equal(new FileTokenStore({ directory }).directory, directory);
        assert.equal(modeOf(directory), 0o700, `umask ${umask.toString(8)}`);
      } finally {
        process.umask(previous);
      }
    }
  });

  test('an existing directory that others can read is refused at construction, with the fix', () => {
    const directory = freshPath();
    mkdirSync(directory);
    chmodSync(directory, 0o755);
    assert.throws(() => new FileTokenStore({ directory }), (error: Error) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(error.message, /has mode 755/);
      assert.ok(error.message.includes(`chmod 700 ${directory}`), error.message);
      return true;
    });
    chmodSync(directory, 0o700);
    assert.doesNotThrow(() => new FileTokenStore({ directory }));
  });

  test('a symbolic link is refused, even to a private directory', () => {
    const target = freshPath();
    mkdirSync(target, { mode: 0o700 });
    const link = freshPath();
    symlinkSync(target, link);
    assert.throws(() => new FileTokenStore({ directory: link }), (error: Error) => error instanceof ConfigurationError && /symbolic link/.test(error.message));
  });

  test("a directory of another user is refused (not checked on Windows, which has no user ids)", (t) => {
    if (process.getuid === undefined) return t.skip('no user ids on this platform');
    let directory = '/';
    if (process.getuid() === 0) {
      directory = freshPath();
      mkdirSync(directory, { mode: 0o700 });
      chownSync(directory, 65534, 65534);
    }
    assert.throws(() => new FileTokenStore({ directory }), (error: Error) => error instanceof ConfigurationError && /is owned by user \d+, not by this process's user/.test(error.message));
  });

  test('a path that is a file, or no path at all, is a ConfigurationError', () => {
    const file = freshPath();
    writeFileSync(file, '');
    assert.throws(() => new FileTokenStore({ directory: file }), (error: Error) => error instanceof ConfigurationError && /not a directory/.test(error.message));
    assert.throws(() => new FileTokenStore({ directory: join(file, 'below') }), ConfigurationError);
    assert.throws(() => new FileTokenStore({ directory: '' }), ConfigurationError);
    assert.throws(() => new FileTokenStore({} as never), ConfigurationError);
  });

  test('sealing options are checked and kept like every store’s', () => {
    const directory = freshPath();
    assert.deepEqual(new FileTokenStore({ directory, unencrypted: true }).sealing, { unencrypted: true });
    assert.equal(new FileTokenStore({ directory }).sealing, undefined);
    assert.throws(() => new FileTokenStore({ directory, encryptionKey: 'too short' }), ConfigurationError);
  });
});

describe('the files', () => {
  test('token and lock files, and so the temporary files they start as, are mode 0600 even under umask 0; their names hold no value', async () => {
    const previous = process.umask(0);
    try {
      const store = new FileTokenStore({ directory: freshPath() });
      const id = digest();
      await store.set(`${id}:token`, 'sealed-token-value', 10_000);
      await store.setIfAbsent(`${id}:lock`, 'holder-id-value', 10_000);
      await store.set(`${id}:token`, 'sealed-token-value-2', 10_000); // a replacement, through a claim
      await store.expireIf(`${id}:lock`, 'holder-id-value', 10_000);
      // Every file starts as a temporary file and keeps that file's mode when it takes its name (rename
      // and link keep the inode), so these modes are those the temporary and claim files were created with.
      assert.deepEqual(readdirSync(store.directory).sort(), [`${id}.lock`, `${id}.token`]);
      for (const name of readdirSync(store.directory)) assert.equal(modeOf(join(store.directory, name)), 0o600, name);
      assert.equal(modeOf(store.directory), 0o700);
    } finally {
      process.umask(previous);
    }
  });

  test('keys other than <digest>:<kind> are rejected, never thrown, and reach no other path', async () => {
    const directory = join(freshPath(), 'store');
    const store = new FileTokenStore({ directory });
    for (const key of ['../escape:token', 'a/b:token', 'a:token/../../x', 'a:..', '.:token', 'a.b:token', 'a:TOKEN', ':token', 'a', '', 'a:token\n']) {
      for (const call of [() => store.get(key), () => store.set(key, 'v', 1_000), () => store.setIfAbsent(key, 'v', 1_000), () => store.expireIf(key, 'v', 1_000), () => store.deleteIf(key, 'v'), () => store.watch(key, () => {})]) {
        const pending = call();
        assert.ok(pending instanceof Promise);
        await assert.rejects(pending, /is not a store key/);
      }
    }
    assert.deepEqual(readdirSync(directory), []);
    assert.deepEqual(readdirSync(join(directory, '..')), ['store']);
  });

  test('a file that holds garbage reads as absent, is replaced by a write, and crashes nothing', async () => {
    const store = new FileTokenStore({ directory: freshPath() });
    const id = digest();
    for (const garbage of ['', 'garbage', 'not-a-number\nvalue', '\u0000\u00ff\ufffd binary', `${'9'.repeat(40)}\nvalue`]) {
      writeFileSync(join(store.directory, `${id}.token`), garbage, { mode: 0o600 });
      writeFileSync(join(store.directory, `${id}.lock`), garbage, { mode: 0o600 });
      assert.equal(await store.get(`${id}:token`), undefined);
      assert.equal(await store.deleteIf(`${id}:token`, garbage), false);
      assert.equal(await store.expireIf(`${id}:token`, garbage, 1_000), false);
      assert.equal(await store.setIfAbsent(`${id}:lock`, 'new-holder', 10_000), true, JSON.stringify(garbage));
      await store.set(`${id}:token`, 'sealed', 10_000);
      assert.equal(await store.get(`${id}:token`), 'sealed');
    }
  });

  test('inspect shows the directory and nothing else', async () => {
    const store = new FileTokenStore({ directory: freshPath(), encryptionKey: 'k'.repeat(32) });
    await store.set(`${digest()}:token`, 'sealed-secret', 10_000);
    assert.equal(inspect(store), `FileTokenStore { directory: ${JSON.stringify(store.directory)} }`);
  });
});

describe('processes racing on one directory', () => {
  const WORKERS = 8;
  const directory = join(root, 'fleet');
  let workers: Worker[] = [];
  let store: FileTokenStore;

  before(async () => {
    store = new FileTokenStore({ directory });
    workers = await Promise.all(Array.from({ length: WORKERS }, () => Worker.start(directory)));
  });
  after(() => {
    for (const worker of workers) worker.stop();
  });

  /** Has every worker do `request` at the same moment. */
  const all = <T>(request: (index: number) => WorkerRequest): Promise<T[]> => {
    const startAt = Date.now() + 30;
    return Promise.all(workers.map((worker, index) => worker.ask<T>(request(index), startAt)));
  };

  test('setIfAbsent: one winner per round of 8 processes, 20 rounds, stale locks taken over in half of them', async () => {
    for (let round = 0; round < 20; round++) {
      const key = `${digest()}:lock`;
      if (round % 2 === 1) {
        await store.setIfAbsent(key, 'dead-holder', 1);
        await sleep(5);
      }
      const outcomes = await all<boolean>((index) => ({ task: 'call', method: 'setIfAbsent', args: [key, `worker-${index}`, 10_000] }));
      assert.equal(outcomes.filter(Boolean).length, 1, `round ${round}: ${outcomes}`);
      assert.equal(await store.get(key), `worker-${outcomes.indexOf(true)}`);
    }
  });

  test('deleteIf: of 8 processes refused the same token, one removes it and stores the next, whose token stays', async () => {
    for (let round = 0; round < 10; round++) {
      const key = `${digest()}:token`;
      await store.set(key, 'refused', 10_000);
      const outcomes = await all<boolean>((index) => ({ task: 'renew-refused', key, refused: 'refused', fresh: `fresh-${index}` }));
      assert.equal(outcomes.filter(Boolean).length, 1, `round ${round}: ${outcomes}`);
      assert.equal(await store.get(key), `fresh-${outcomes.indexOf(true)}`);
    }
  });

  test('setIfAbsent, expireIf and deleteIf make a mutex: no increment lost, a lapsed lease neither extended nor released', async () => {
    const key = `${digest()}:lock`;
    const counter = join(root, `counter-${digest()}`);
    writeFileSync(counter, '0');
    const rounds = 12;
    const faults = await all<string[]>((index) => ({ task: 'count-under-lock', key, counter, rounds, stallRound: 1 + (index % 4) }));
    assert.deepEqual(faults.flat(), []);
    assert.equal(Number(readFileSync(counter, 'utf8')), WORKERS * (rounds - 1));
  });

  test('a set by one process wakes a watcher in another', async () => {
    const key = `${digest()}:token`;
    let calls = 0;
    const stop = await store.watch(key, () => calls++);
    try {
      await workers[0]!.ask({ task: 'call', method: 'set', args: [key, 'shared', 10_000] });
      for (let waited = 0; calls === 0 && waited < 2_000; waited += 20) await sleep(20);
      assert.ok(calls >= 1);
    } finally {
      stop();
    }
  });

  test('only store files are left: no temporary or claim file survives the races', () => {
    for (const name of readdirSync(directory)) assert.match(name, /^[A-Za-z0-9_-]+\.(token|lock)$/);
  });
});

describe('processes that die', () => {
  test('a lock left by a killed process is taken over once its lifetime has passed', async () => {
    const directory = freshPath();
    const store = new FileTokenStore({ directory });
    const key = `${digest()}:lock`;
    const doomed = await Worker.start(directory);
    assert.equal(await doomed.ask({ task: 'call', method: 'setIfAbsent', args: [key, 'doomed', 500] }), true);
    const killedAt = Date.now();
    doomed.kill();
    assert.equal(await store.setIfAbsent(key, 'heir', 10_000), false);
    while (!(await store.setIfAbsent(key, 'heir', 10_000))) await sleep(20);
    assert.ok(Date.now() - killedAt < 500 + 1_000);
    assert.equal(await store.get(key), 'heir');
  });

  test('a file claimed by a process killed in the middle of a change is changed again once the claim lapses', async () => {
    const directory = freshPath();
    const store = new FileTokenStore({ directory });
    const id = digest();
    await store.set(`${id}:token`, 'current', 10_000);
    const doomed = await Worker.start(directory);
    assert.equal(await doomed.ask({ task: 'hold-claim', path: join(directory, `${id}.token`) }), 'claimed');
    const claims = readdirSync(directory).filter((name) => name.endsWith('.claim'));
    assert.equal(claims.length, 1);
    assert.equal(modeOf(join(directory, claims[0]!)), 0o600);
    doomed.kill();
    const started = Date.now();
    assert.equal(await store.deleteIf(`${id}:token`, 'current'), true);
    assert.ok(Date.now() - started < CLAIM_LIFETIME_MS + 1_000);
    assert.equal(await store.get(`${id}:token`), undefined);
    assert.deepEqual(readdirSync(directory), []);
  });
});

/** A forked process running test/support/file-store-worker.ts on one directory. */
class Worker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 0;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (reply: WorkerReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.error !== undefined) pending?.reject(new Error(`worker ${child.pid}: ${reply.error}`));
      else pending?.resolve(reply.result);
    });
  }

  static async start(directory: string): Promise<Worker> {
    const child = fork(new URL('./support/file-store-worker.ts', import.meta.url), [directory], { execArgv: ['--import', 'tsx'] });
    await new Promise<void>((ready, failed) => {
      child.once('message', () => ready());
      child.once('exit', (code) => failed(new Error(`the worker exited with ${code} before it was ready`)));
    });
    return new Worker(child);
  }

  ask<T>(request: WorkerRequest, startAt?: number): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, startAt, request });
    });
  }

  /** Ends the worker as a crash would: SIGKILL, no clean-up. */
  kill(): void {
    this.#child.kill('SIGKILL');
  }

  stop(): void {
    this.#child.disconnect();
  }
}
