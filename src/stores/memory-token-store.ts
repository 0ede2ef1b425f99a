import { sealingOf } from './sealing-options.ts';
import type { TokenSealing, TokenSealingOptions, TokenStore } from './token-store.ts';

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * A {@link TokenStore} in this process's memory: several clients of one process (an SDK's clients for
 * several APIs, `withConfiguration` copies, workers of a job queue) share one token and one token request
 * per renewal. Nothing leaves the process. Values are sealed like any store's, so a heap dump shows no token.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #entries = new Map<string, Entry>();
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #sealing: TokenSealing | undefined;

  constructor(options: TokenSealingOptions = {}) {
    this.#sealing = sealingOf(options, 'MemoryTokenStore');
  }

  /** See {@link TokenStore.sealing}. */
  get sealing(): TokenSealing | undefined {
    return this.#sealing;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#write(key, value, ttlMs);
    for (const listener of this.#listeners.get(key) ?? []) queueMicrotask(listener);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  async expireIf(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key)?.value !== value) return false;
    this.#write(key, value, ttlMs);
    return true;
  }

  async deleteIf(key: string, value: string): Promise<boolean> {
    if (this.#live(key)?.value !== value) return false;
    this.#entries.delete(key);
    return true;
  }

  watch(key: string, listener: () => void): () => void {
    let listeners = this.#listeners.get(key);
    if (!listeners) this.#listeners.set(key, (listeners = new Set()));
    const own = () => listener();
    listeners.add(own);
    return () => {
      listeners.delete(own);
      if (listeners.size === 0) this.#listeners.delete(key);
    };
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && Date.now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #write(key: string, value: string, ttlMs: number): void {
    // Expired entries are swept on writes, so that identities no longer used do not pile up.
    const now = Date.now();
    for (const [other, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(other);
    this.#entries.set(key, { value, expiresAt: now + ttlMs });
  }

  /** Shows neither values nor keys. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `MemoryTokenStore { entries: ${this.#entries.size} }`;
  }
}
