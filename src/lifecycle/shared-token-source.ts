import { TimeoutError } from '../errors.ts';
import type { Emit, OAuthEvent } from '../events.ts';
import type { TokenStore } from '../stores/token-store.ts';
import type { TokenVault } from '../stores/token-vault.ts';
import type { OAuthToken, TokenLease } from '../token.ts';
import { unref } from './keep-alive.ts';
import type { TokenSource } from './token-source.ts';

export interface SharedTokenSourceOptions {
  /** Where tokens come from when the store has none: the token endpoint, or the user's provider. */
  readonly source: TokenSource;
  readonly store: TokenStore;
  /** Milliseconds each store call may take. */
  readonly storeTimeout: number;
  /** The identity's keys and sealing, made once on first need. */
  readonly vault: () => Promise<TokenVault>;
  /** Milliseconds of the lock's lease: a holder that died is noticed within it. Extended while the holder works. */
  readonly leaseMs: number;
  /** The longest a process waits for another's token request before making its own. */
  readonly maxWaitMs: number;
  /** Whether a stored token is worth adopting: usable, and not yet due for renewal. */
  readonly isFresh: (lease: TokenLease) => boolean;
  readonly emit: Emit;
  /** The error a wait under way rejects with when the source is closed. */
  readonly closedError: () => Error;
}

type Operation = Extract<OAuthEvent, { type: 'store-failed' }>['operation'];

/** A store call that failed or did not answer in time: never the caller's failure, only a reason to go on without the store. */
class StoreFailure extends Error {
  constructor(
    readonly operation: Operation,
    override readonly cause: unknown,
  ) {
    super(`The token store failed (${operation}).`);
  }
}

/** After a store failure, the store is left alone this long, then tried again. */
const OFFLINE_MS = 2_000;
/** Waiters poll the store from this pause, doubling, up to the longest (shorter when nothing will wake them). */
const POLL = { first: 25, longest: 500, longestWatched: 1_000 };

/**
 * Shares tokens between processes (or clients) through a {@link TokenStore}, so that a fleet makes one
 * token request per renewal in all. Asked for a token, it reads the store first and adopts a fresh one;
 * otherwise the process that takes the identity's lock asks its own source, writes the token and releases
 * the lock, while the others wait for that token (woken by the store, or polling) instead of asking too.
 * The lock is a lease its holder extends while it works, so a holder that died is replaced within a lease.
 *
 * A reusing source sits above it: the store is consulted only when the process's own token needs renewal,
 * never on a call that has a token. And the store failing never fails a call: any store error or timeout
 * makes this behave, for a few seconds, as if there were no store (the source straight away).
 */
export class SharedTokenSource implements TokenSource {
  readonly #options: SharedTokenSourceOptions;
  #offlineUntil = 0;
  #storeFailed = false;
  /** The last token this process gave up: never adopted from the store again. */
  #discarded: string | undefined;
  /** The sealed value last read or written, by access token: what a compare-and-delete compares with. */
  #stored: { readonly accessToken: string; readonly value: string } | undefined;
  /** A compare-and-delete under way: a read waits for it, so as not to find the token it deletes. */
  #discarding: Promise<void> | undefined;
  readonly #closed = new AbortController();
  readonly #background = new Set<Promise<void>>();
  #vaultPromise: Promise<TokenVault> | undefined;
  /** The last stored value found unusable. */
  #ignored: string | undefined;

  constructor(options: SharedTokenSourceOptions) {
    this.#options = options;
  }

  async token(): Promise<TokenLease> {
    if (Date.now() < this.#offlineUntil) return this.#options.source.token();
    await this.#discarding;
    try {
      return await this.#shared(await this.#vault());
    } catch (error) {
      if (!(error instanceof StoreFailure)) throw error;
      this.#goOffline(error);
      return this.#options.source.token();
    }
  }

  /** Resolves once the store no longer holds `token` (or could not be asked); never rejects. */
  discard(token: OAuthToken): Promise<void> {
    this.#discarded = token.accessToken;
    const stored = this.#stored;
    if (stored?.accessToken !== token.accessToken || Date.now() < this.#offlineUntil) return Promise.resolve();
    // Compare-and-delete: when a fleet's calls all fail on one revoked token, the first deletion removes
    // it and the others find the store holding its replacement, which they must not delete.
    const discarding = this.#vault()
      .then((vault) => this.#call('deleteIf', (store) => store.deleteIf(vault.tokenKey, stored.value)))
      .then(
        () => {},
        (error: unknown) => this.#goOffline(error),
      )
      .finally(() => {
        if (this.#discarding === discarding) this.#discarding = undefined;
      });
    this.#discarding = discarding;
    return this.#inBackground(discarding);
  }

  /** Ends every wait under way, and resolves once the store work still running (a release, a deletion) has settled. */
  async close(): Promise<void> {
    this.#closed.abort();
    await Promise.all(this.#background);
  }

  /** Work the caller does not wait for, which `close()` does: kept until it settles. Never rejects. */
  #inBackground(work: Promise<unknown>): Promise<void> {
    const settled = work.then(
      () => {},
      () => {},
    );
    this.#background.add(settled);
    void settled.then(() => this.#background.delete(settled));
    return settled;
  }

  /** The vault is made once; making it can only fail as the store does (no crypto, say): then without the store. */
  #vault(): Promise<TokenVault> {
    this.#vaultPromise ??= this.#options.vault().catch((error: unknown) => {
      this.#vaultPromise = undefined;
      throw new StoreFailure('get', error);
    });
    return this.#vaultPromise;
  }

  async #shared(vault: TokenVault): Promise<TokenLease> {
    const { maxWaitMs } = this.#options;
    const giveUpAt = Date.now() + maxWaitMs;
    const waiting = new Waiting(this.#closed.signal);
    try {
      for (let pause = POLL.first; ; pause = Math.min(pause * 2, waiting.watched ? POLL.longestWatched : POLL.longest)) {
        const stored = await this.#read(vault);
        if (stored) return stored;
        const owner = crypto.randomUUID();
        if (await this.#takeLock(vault, owner)) return await this.#fetchHolding(vault, owner);
        // Another process is fetching. Past the longest its request could take, it is not coming.
        if (Date.now() >= giveUpAt) return await this.#options.source.token();
        if (!waiting.watched) await this.#watch(vault, waiting);
        await waiting.pause(Math.min(pause * (0.5 + Math.random() / 2), giveUpAt - Date.now()), this.#options.closedError);
      }
    } finally {
      waiting.stop();
    }
  }

  /**
   * Takes the identity's lock, or says another process holds it. A store that takes it only after the call
   * timed out (this process has gone on without the store) has it released at once, so that no one else
   * waits a whole lease for a holder that is not fetching.
   */
  async #takeLock(vault: TokenVault, owner: string): Promise<boolean> {
    const { store, leaseMs } = this.#options;
    const taking = Promise.resolve().then(() => store.setIfAbsent(vault.lockKey, owner, leaseMs));
    try {
      return await this.#call('setIfAbsent', () => taking);
    } catch (error) {
      void this.#inBackground(taking.then((taken) => taken && store.deleteIf(vault.lockKey, owner)));
      throw error;
    }
  }

  /** Holding the lock: fetches, writes, releases; the lease is extended while the source works. */
  async #fetchHolding(vault: TokenVault, owner: string): Promise<TokenLease> {
    const { leaseMs, source } = this.#options;
    const extend = () => void this.#call('expireIf', (store) => store.expireIf(vault.lockKey, owner, leaseMs)).catch(this.#report);
    const extension = setInterval(extend, leaseMs / 3);
    unref(extension);
    try {
      // Another process may have written between this one's read and its lock.
      const written = await this.#read(vault).catch((error: unknown) => {
        this.#report(error);
        return undefined;
      });
      if (written) return written;
      const lease = await source.token();
      await this.#write(vault, lease).catch(this.#report);
      return lease;
    } finally {
      clearInterval(extension);
      // In the background: the token is written, so waiters need the lock no more; it only must not outlive its lease.
      void this.#inBackground(this.#call('deleteIf', (store) => store.deleteIf(vault.lockKey, owner)).catch(this.#report));
    }
  }

  /** The stored token if it is fresh, this identity's, and not one this process gave up; else `undefined`. */
  async #read(vault: TokenVault): Promise<TokenLease | undefined> {
    const value = await this.#call('get', (store) => store.get(vault.tokenKey));
    if (value === undefined || value === null) return undefined;
    // Unsealing fails only as the sealing key does (derived from the secret): then the store cannot be used.
    const unsealed = await vault.unseal(value).catch((error: unknown) => {
      throw new StoreFailure('get', error);
    });
    if ('ignored' in unsealed) {
      // Reported once: a waiter reads it again and again until the token that replaces it is written.
      if (value !== this.#ignored) this.#options.emit({ type: 'store-value-ignored', reason: unsealed.ignored });
      this.#ignored = value;
      return undefined;
    }
    const { lease } = unsealed;
    if (lease.token.accessToken === this.#discarded || !this.#options.isFresh(lease)) return undefined;
    this.#stored = { accessToken: lease.token.accessToken, value };
    return { ...lease, fromStore: true };
  }

  async #write(vault: TokenVault, lease: TokenLease): Promise<void> {
    const ttlMs = Math.floor(lease.expiresAt - Date.now());
    if (ttlMs <= 0) return;
    const value = await vault.seal(lease);
    await this.#call('set', (store) => store.set(vault.tokenKey, value, ttlMs));
    this.#stored = { accessToken: lease.token.accessToken, value };
  }

  /** Starts listening for the store's wake-ups, if it offers them; without them the waiter polls. */
  async #watch(vault: TokenVault, waiting: Waiting): Promise<void> {
    const { watch } = this.#options.store;
    if (!watch) return;
    waiting.watched = true;
    const subscribing = Promise.resolve().then(() => watch.call(this.#options.store, vault.tokenKey, waiting.wake));
    // Stopped when the wait ends, even if the store subscribed only after its call timed out.
    waiting.onStop(() => void subscribing.then((stop) => stop(), () => {}));
    await this.#call('watch', () => subscribing).catch(this.#report);
  }

  /** One store call, bounded by the store timeout; every failure a {@link StoreFailure}. */
  #call<T>(operation: Operation, run: (store: TokenStore) => Promise<T>): Promise<T> {
    const { store, storeTimeout } = this.#options;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StoreFailure(operation, new TimeoutError(`The token store did not answer within ${storeTimeout} ms (tokenStoreTimeout).`))), storeTimeout);
      unref(timer);
      Promise.resolve()
        .then(() => run(store))
        .then(
          (result) => {
            if (this.#storeFailed) {
              this.#storeFailed = false;
              this.#options.emit({ type: 'store-resumed' });
            }
            resolve(result);
          },
          (error: unknown) => reject(new StoreFailure(operation, error)),
        )
        .finally(() => clearTimeout(timer));
    });
  }

  /** Reports a store failure that changes nothing for the caller (a write, an extension, a release). */
  readonly #report = (error: unknown): void => {
    const failure = error instanceof StoreFailure ? error : new StoreFailure('get', error);
    this.#storeFailed = true;
    this.#options.emit({ type: 'store-failed', operation: failure.operation, error: failure.cause });
  };

  #goOffline(error: unknown): void {
    this.#report(error);
    this.#offlineUntil = Date.now() + OFFLINE_MS;
  }
}

/** One caller's wait for another process's token: woken by the store, by its pause running out, or by close. */
class Waiting {
  watched = false;
  readonly #signal: AbortSignal;
  #wake: (() => void) | undefined;
  #woken = false;
  readonly #stops: (() => void)[] = [];

  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }

  readonly wake = (): void => {
    this.#woken = true;
    this.#wake?.();
  };

  onStop(stop: () => void): void {
    this.#stops.push(stop);
  }

  pause(ms: number, closedError: () => Error): Promise<void> {
    if (this.#signal.aborted) return Promise.reject(closedError());
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.#signal.removeEventListener('abort', onAbort);
        this.#wake = undefined;
        this.#woken = false;
        outcome();
      };
      const onAbort = () => settle(() => reject(closedError()));
      // Never what holds the process open: the caller awaiting the token does (see keepingAlive).
      const timer = setTimeout(() => settle(resolve), Math.max(0, ms));
      unref(timer);
      this.#wake = () => settle(resolve);
      this.#signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  stop(): void {
    for (const stop of this.#stops.splice(0)) {
      try {
        stop();
      } catch {
        // A store's unsubscribe that throws changes nothing here.
      }
    }
  }
}
