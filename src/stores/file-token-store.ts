import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigurationError, OAuthCcgError } from '../errors.ts';
import { createExclusively, replaceAtomically } from './file/atomic-write.ts';
import { CLAIM_LIFETIME_MS, changeIfUnchanged, snapshotOf, type ClaimOutcome, type Snapshot } from './file/content-claim.ts';
import { DirectoryWatch } from './file/directory-watch.ts';
import { readIfPresent, removeIfPresent } from './file/if-present.ts';
import { preparePrivateDirectory } from './file/private-directory.ts';
import { sealingOf } from './sealing-options.ts';
import type { TokenSealing, TokenSealingOptions, TokenStore } from './token-store.ts';

/** The options of {@link FileTokenStore}. */
export interface FileTokenStoreOptions extends TokenSealingOptions {
  /**
   * The directory that holds the store's files, the same for every process that shares tokens. Created
   * with mode 0700 when missing; an existing one must be a directory (not a symbolic link) owned by this
   * process's user, with no permission for group or others (`chmod 700`). On Windows neither the owner
   * nor the mode is checked: keep it under the user's profile.
   */
  readonly directory: string;
}

/**
 * A key as the library makes them, `<digest>:<kind>` (`<digest>:token`, `<digest>:lock`), with the digest
 * in base64url. Nothing else reaches the file system: no separator, no dot, so no path of any other file.
 */
const KEY = /^([A-Za-z0-9_-]{1,128}):([a-z]{1,16})$/;

/**
 * How long a write waits for other processes' changes to the same file before it gives up. A change holds
 * its file for well under a millisecond, and one abandoned by a dead process is taken back after
 * `CLAIM_LIFETIME_MS`.
 */
const BUSY_LIMIT_MS = 2 * CLAIM_LIFETIME_MS + 1_000;

/** The longest pause between two tries at a busy file: short, and random so that processes do not retry in step. */
const MAX_RETRY_PAUSE_MS = 8;

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/** What a conditional write does to the file it read: replace it with a new entry, or remove it. */
type Change = { readonly write: Entry } | { readonly remove: true };

/**
 * A {@link TokenStore} in a directory: the processes of one machine (CLI calls, cron jobs, the workers of
 * a server) share one token and one token request per renewal. Each key is one file, `<digest>.<kind>`,
 * holding its expiry (first line, epoch milliseconds) and its value, which is a sealed token or a lock
 * holder's random id; file names hold no value.
 *
 * - Every file is created with mode 0600 and written whole under a temporary name before it takes its real
 *   one, so no process ever reads a half-written file.
 * - {@link setIfAbsent} (the lock) creates its file only where none is; a lock whose lifetime has passed
 *   (its holder died) is replaced in one step, so of several processes that find it stale one takes it.
 * - {@link expireIf}, {@link deleteIf} and {@link set} change a file only while it still holds what they read,
 *   through a claim file that only one process can make (see `file/content-claim.ts`).
 * - {@link watch} wakes waiters when a file is written, through `fs.watch`; waiters poll as well.
 *
 * Files of identities no longer used stay (a few hundred bytes each) until their directory is cleared;
 * a file left half-way by a crash (`.*.tmp`, `*.claim`) is never read as a value.
 *
 * The directory must be on a file system with hard links (local disks on Linux, macOS, and NTFS on
 * Windows): a file appears only where none is by being linked into place. Errors of the file system (no
 * hard links, a full disk, a directory removed) reject the method with Node's error; the client reports
 * them as `store-failed` and carries on without the store.
 */
export class FileTokenStore implements TokenStore {
  readonly #directory: string;
  readonly #sealing: TokenSealing | undefined;
  readonly #watch: DirectoryWatch;

  /**
   * Checks the options and the directory at once (creating it when missing), so a directory others could
   * read is a `ConfigurationError` here rather than a failure the client would work around on every call.
   *
   * @throws ConfigurationError when `directory` is missing, cannot be created, or is not private to this
   * user; or when the sealing options are wrong (see {@link TokenSealingOptions}).
   */
  constructor(options: FileTokenStoreOptions) {
    const directory = (options as Partial<FileTokenStoreOptions> | undefined)?.directory;
    if (typeof directory !== 'string' || directory === '') {
      throw new ConfigurationError('FileTokenStore: directory must be the path of a directory, e.g. new FileTokenStore({ directory: ".cache/tokens" }).');
    }
    this.#sealing = sealingOf(options, 'FileTokenStore');
    this.#directory = preparePrivateDirectory(directory, 'FileTokenStore');
    this.#watch = new DirectoryWatch(this.#directory);
  }

  /** See {@link TokenStore.sealing}. */
  get sealing(): TokenSealing | undefined {
    return this.#sealing;
  }

  /** The absolute path of the store's directory. */
  get directory(): string {
    return this.#directory;
  }

  /** See {@link TokenStore.get}. A file that does not hold an entry (damaged, or not the store's) reads as absent. */
  async get(key: string): Promise<string | undefined> {
    // The file's text alone: a snapshot's version (a digest) is for the conditional writes.
    return liveEntry((await readIfPresent(this.#pathOf(key)))?.toString('utf8'))?.value;
  }

  /** See {@link TokenStore.set}. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const entry = entryFor(value, ttlMs);
    await this.#change(key, () => ({ write: entry }));
  }

  /** See {@link TokenStore.setIfAbsent}. A file whose lifetime has passed, or that does not hold an entry, counts as absent. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = entryFor(value, ttlMs);
    return this.#change(key, (live) => (live ? undefined : { write: entry }));
  }

  /** See {@link TokenStore.expireIf}. */
  async expireIf(key: string, value: string, ttlMs: number): Promise<boolean> {
    const entry = entryFor(value, ttlMs);
    return this.#change(key, (live) => (live?.value === value ? { write: entry } : undefined));
  }

  /** See {@link TokenStore.deleteIf}. */
  async deleteIf(key: string, value: string): Promise<boolean> {
    return this.#change(key, (live) => (live?.value === value ? { remove: true } : undefined));
  }

  /**
   * See {@link TokenStore.watch}. Resolves to the function that stops the listener. Where the directory
   * cannot be watched, the listener is never called and waiters rely on polling.
   */
  async watch(key: string, listener: () => void): Promise<() => void> {
    return this.#watch.add(fileNameOf(key), listener);
  }

  /**
   * Reads the key's file, lets `decide` choose a change from the live entry there (or none), and makes that
   * change only if the file still holds what was read; otherwise reads again and decides again. Resolves to
   * whether a change was made.
   */
  async #change(key: string, decide: (live: Entry | undefined) => Change | undefined): Promise<boolean> {
    const path = this.#pathOf(key);
    const giveUpAt = Date.now() + BUSY_LIMIT_MS;
    for (;;) {
      const snapshot = await snapshotOf(path);
      const change = decide(liveEntry(snapshot?.text));
      if (change === undefined) return false;
      const outcome = await applyChange(path, snapshot, change);
      if (outcome === 'changed') return true;
      if (outcome === 'busy') {
        if (Date.now() >= giveUpAt) throw new OAuthCcgError(`FileTokenStore: ${path} stayed busy with other processes' changes for ${BUSY_LIMIT_MS} ms.`);
        await sleep(1 + Math.random() * MAX_RETRY_PAUSE_MS);
      }
    }
  }

  /** Throws for a key the library would not make; every caller is async, so callers see a rejection. */
  #pathOf(key: string): string {
    return join(this.#directory, fileNameOf(key));
  }

  /** Shows the directory only. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `FileTokenStore { directory: ${JSON.stringify(this.#directory)} }`;
  }
}

/** `<digest>.<kind>` for the key `<digest>:<kind>`. */
function fileNameOf(key: string): string {
  const match = typeof key === 'string' ? KEY.exec(key) : null;
  if (!match) throw new OAuthCcgError(`FileTokenStore: ${JSON.stringify(String(key).slice(0, 200))} is not a store key (<digest>:<kind>, digest in base64url).`);
  return `${match[1]}.${match[2]}`;
}

/** Makes `change` to the file at `path`, which held `snapshot` (or nothing) when it was read. */
async function applyChange(path: string, snapshot: Snapshot | undefined, change: Change): Promise<ClaimOutcome> {
  if (snapshot === undefined) {
    // Only a live entry is ever removed; with nothing there, decide again.
    if ('remove' in change) return 'moved';
    return (await createExclusively(path, recordOf(change.write))) ? 'changed' : 'moved';
  }
  return changeIfUnchanged(path, snapshot, () => ('remove' in change ? removeIfPresent(path) : replaceAtomically(path, recordOf(change.write))));
}

/** The entry to write; a lifetime that is not a number would write a file that reads as absent, a lock anyone could take. */
function entryFor(value: string, ttlMs: number): Entry {
  if (!Number.isFinite(ttlMs)) throw new OAuthCcgError('FileTokenStore: a lifetime must be a finite number of milliseconds.');
  return { value, expiresAt: Math.ceil(Date.now() + ttlMs) };
}

/** A file's text: the expiry in epoch milliseconds on the first line, then the value as it is. */
function recordOf(entry: Entry): string {
  return `${entry.expiresAt}\n${entry.value}`;
}

/** The entry a file's text holds, if it holds one and its lifetime has not passed. */
function liveEntry(text: string | undefined): Entry | undefined {
  if (text === undefined) return undefined;
  const newline = text.indexOf('\n');
  const expiry = text.slice(0, newline);
  if (newline < 0 || !/^\d{1,16}$/.test(expiry)) return undefined;
  const expiresAt = Number(expiry);
  return Date.now() < expiresAt ? { value: text.slice(newline + 1), expiresAt } : undefined;
}
