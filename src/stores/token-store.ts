/**
 * Where the processes of a fleet share their tokens: Redis, a directory, this process's memory, or a
 * store of your own (DynamoDB, Postgres, Cloudflare KV, a Durable Object) behind these few methods.
 *
 * The store never sees a token or a secret. Keys are digests of the token's identity (token endpoint,
 * client id, auth method, scopes, resources, DPoP key), named `<digest>:token` and `<digest>:lock`: the
 * keys of one identity share everything before the first `:`, so a sharded store can keep them together
 * (the Redis store puts that part in a hash tag). Values are opaque strings: a sealed token, or the random
 * id of a lock's holder.
 *
 * What must be atomic: {@link setIfAbsent}, {@link expireIf} and {@link deleteIf} (each a single
 * conditional write; they make the lock that gives a fleet one token request per renewal). What may be
 * eventually consistent: {@link get} and {@link set} (a stale read costs at most one extra token request).
 * Every method may reject: the library bounds each call with `tokenStoreTimeout`, reports the failure as a
 * `store-failed` event, and carries on without the store for a few seconds. A call never fails because the
 * store did.
 */
export interface TokenStore {
  /** The value stored under `key`, or `undefined` when there is none or its lifetime has passed. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing what was there. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Atomic: stores `value` under `key` for `ttlMs` milliseconds only if `key` holds nothing; resolves to whether it did. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Atomic: gives `key` a new lifetime of `ttlMs` milliseconds only if it still holds `value`; resolves to whether it did. */
  expireIf(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Atomic: deletes `key` only if it still holds `value`; resolves to whether it did. */
  deleteIf(key: string, value: string): Promise<boolean>;
  /**
   * Optional: calls `listener` soon after any process {@link set}s `key`, until the function it returns is
   * called. Processes waiting for a token then wake at once; without it they poll, with backoff.
   */
  watch?(key: string, listener: () => void): (() => void) | Promise<() => void>;
  /**
   * How tokens are sealed before the store sees them. Absent: AES-256-GCM with a key derived (HKDF) from
   * the client's own secret (its client secret or private key); a client with neither (mTLS, a ready-made
   * assertion, a token provider) needs an `encryptionKey`. `{ unencrypted: true }` stores tokens readable
   * by anyone who can read the store: an explicit choice, never a default.
   */
  readonly sealing?: TokenSealing;
}

/** See {@link TokenStore.sealing}. */
export type TokenSealing =
  | {
      /** At least 16 bytes (or characters) of secret keying material, the same on every process that shares tokens. */
      readonly encryptionKey: string | Uint8Array;
    }
  | {
      /** Store tokens without encryption. */
      readonly unencrypted: true;
    };

/** The options every store of the library takes for {@link TokenStore.sealing}. */
export interface TokenSealingOptions {
  /** Seal tokens with this key instead of one derived from the client's secret; see {@link TokenSealing}. */
  readonly encryptionKey?: string | Uint8Array;
  /** Store tokens readable by anyone with access to the store. Default `false`. */
  readonly unencrypted?: boolean;
}
