import { ConfigurationError, NetworkError, OAuthCcgError } from '../errors.ts';
import { ignore, redisConnectionOf, type RedisClient, type RedisConnection } from './redis-client.ts';
import { SharedSubscription } from './redis-subscription.ts';
import { sealingOf } from './sealing-options.ts';
import type { TokenSealing, TokenSealingOptions, TokenStore } from './token-store.ts';

/** Options of {@link RedisTokenStore}. */
export interface RedisTokenStoreOptions extends TokenSealingOptions {
  /**
   * Your own Redis client, connected (and kept connected) by you: a node-redis client (`createClient()`
   * of package `redis`, version 4 and later) or an ioredis client (`new Redis()`). Give it an `'error'`
   * listener, as every Redis client wants.
   */
  readonly client: RedisClient;
  /** Put before every key, to keep the store's keys apart from your own. Default `'oauth-ccg:'`; must not contain `{` or `}`. */
  readonly keyPrefix?: string;
}

const DEFAULT_KEY_PREFIX = 'oauth-ccg:';

/**
 * Every operation settles within this long: answered, or rejected. A write that reaches Redis later is not
 * made: nobody waits for it any more (the library too gives up on a store call after 1 s, by default), and
 * it would take a lock its holder has given up or put back a token older than the one since written. Such
 * late writes are what a client sends when it resends, after a reconnect, the commands that were in flight
 * when the connection dropped (ioredis does, by default).
 */
const DEADLINE_MS = 1_000;

/** What a write script answers when it reached Redis after its deadline. */
const TOO_LATE = -1;

// Redis's clock in milliseconds. KEYS[1], unused, sends it to the node that holds the key (Redis Cluster).
const SERVER_TIME = `local now = redis.call('TIME')
return now[1] * 1000 + math.floor(now[2] / 1000)`;

// Every write script starts with this: ARGV[1] is its deadline on Redis's clock.
const UNLESS_TOO_LATE = `local now = redis.call('TIME')
if now[1] * 1000 + math.floor(now[2] / 1000) > tonumber(ARGV[1]) then return ${TOO_LATE} end
`;

// KEYS[1]: the key. ARGV: the deadline, the value, its lifetime in milliseconds, the channel its watchers
// listen on. One script, so that a watcher is told of a set that has happened, never of one that failed.
const SET_AND_PUBLISH = `${UNLESS_TOO_LATE}redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], '')
return 1`;

// KEYS[1]: the key. ARGV: the deadline, the value, its lifetime in milliseconds.
const SET_IF_ABSENT = `${UNLESS_TOO_LATE}if redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3], 'NX') then return 1 end
return 0`;

// KEYS[1]: the key. ARGV: the deadline, the value it must still hold, its new lifetime in milliseconds.
const EXPIRE_IF = `${UNLESS_TOO_LATE}if redis.call('GET', KEYS[1]) == ARGV[2] then return redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 0`;

// KEYS[1]: the key. ARGV: the deadline, the value it must still hold.
const DELETE_IF = `${UNLESS_TOO_LATE}if redis.call('GET', KEYS[1]) == ARGV[2] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * A {@link TokenStore} in Redis: every process of a fleet that shares one Redis shares one token per
 * identity, and one token request per renewal. Works with node-redis (version 4 and later) and ioredis,
 * against Redis 5 and later, and against Valkey (the same protocol and commands). With node-redis's
 * `createClient`:
 *
 * ```ts
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379' }).on('error', report).connect();
 * new Client({ ...configuration, tokenStore: new RedisTokenStore({ client: redis }) });
 * ```
 *
 * - Keys: the library's `<digest>:token` and `<digest>:lock` are stored as `<keyPrefix>{<digest>}:token`
 *   and `<keyPrefix>{<digest>}:lock`. The braces are a hash tag: in Redis Cluster both keys of one identity
 *   live in one hash slot. Keys and values hold no secret and no readable token (values are sealed).
 * - Atomic operations, each one Lua script: `setIfAbsent` is `SET NX PX`, `expireIf` and `deleteIf` are
 *   compare-and-expire and compare-and-delete, and `set` is `SET PX` with a `PUBLISH` on the key's own name
 *   as a channel, which is what wakes {@link watch}ers in other processes.
 * - Watching: one extra connection (the client's `duplicate()`), opened with the first watcher and closed
 *   with the last, shared by every key watched; it never keeps the process alive once no one waits.
 * - Nothing is replayed late. While Redis is away, each method rejects at once rather than let the client
 *   queue its command (the offline queue) and send it on reconnecting. Every method settles within 1 s, and
 *   a write that reaches Redis later than that (one that the client resends after a reconnect because it was
 *   in flight when the connection dropped, as ioredis does) is refused by Redis, on Redis's own clock.
 *   The library carries on without the store meanwhile, and uses it again once your client has
 *   reconnected. You may also turn the client's offline queue off (`disableOfflineQueue: true` in
 *   node-redis; `enableOfflineQueue: false` and `autoResendUnfulfilledCommands: false` in ioredis).
 * - Errors: the store rejects with an {@link OAuthCcgError} whose message names the operation and the
 *   client's reason, and never with the client's own error, which may carry the command's arguments.
 * - A client made with `lazyConnect` (ioredis) or not yet connected (node-redis) is not ready: connect it
 *   before use.
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: RedisConnection;
  readonly #keyPrefix: string;
  readonly #sealing: TokenSealing | undefined;
  readonly #subscription: SharedSubscription;

  /** @throws {ConfigurationError} when `client` is not a node-redis or ioredis client, or `keyPrefix` is not usable. */
  constructor(options: RedisTokenStoreOptions) {
    const { client, keyPrefix = DEFAULT_KEY_PREFIX } = options;
    if (typeof keyPrefix !== 'string' || /[{}]/.test(keyPrefix)) {
      throw new ConfigurationError('RedisTokenStore: keyPrefix must be a string without { or }: the store puts the hash tag in braces.');
    }
    this.#redis = redisConnectionOf(client);
    this.#keyPrefix = keyPrefix;
    this.#sealing = sealingOf(options, 'RedisTokenStore');
    this.#subscription = new SharedSubscription(this.#redis);
  }

  /** See {@link TokenStore.sealing}. */
  get sealing(): TokenSealing | undefined {
    return this.#sealing;
  }

  /** See {@link TokenStore.get}. */
  get(key: string): Promise<string | undefined> {
    return this.#send('get', () => this.#redis.get(this.#redisKey(key)));
  }

  /** See {@link TokenStore.set}; also wakes the key's watchers, in every process. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const redisKey = this.#redisKey(key);
    await this.#write('set', SET_AND_PUBLISH, redisKey, [value, milliseconds(ttlMs), redisKey]);
  }

  /** See {@link TokenStore.setIfAbsent}. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#write('setIfAbsent', SET_IF_ABSENT, this.#redisKey(key), [value, milliseconds(ttlMs)])) === 1;
  }

  /** See {@link TokenStore.expireIf}. */
  async expireIf(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#write('expireIf', EXPIRE_IF, this.#redisKey(key), [value, milliseconds(ttlMs)])) === 1;
  }

  /** See {@link TokenStore.deleteIf}. */
  async deleteIf(key: string, value: string): Promise<boolean> {
    return (await this.#write('deleteIf', DELETE_IF, this.#redisKey(key), [value])) === 1;
  }

  /**
   * See {@link TokenStore.watch}. Rejects when Redis is away or the subscription fails: waiters then poll.
   * A `PUBLISH` missed while the subscriber connection reconnects is not told again.
   */
  async watch(key: string, listener: () => void): Promise<() => void> {
    let watching: Promise<() => void> | undefined;
    try {
      return await this.#send('watch', () => (watching = this.#subscription.watch(this.#redisKey(key), listener)));
    } catch (error) {
      // Given up on: a subscription made after all must not go on with no one left to stop it.
      watching?.then((stop) => stop(), ignore);
      throw error;
    }
  }

  /** `<digest>:token` → `<keyPrefix>{<digest>}:token`: the part before the first `:` is the hash tag. */
  #redisKey(key: string): string {
    const colon = key.indexOf(':');
    const identity = colon === -1 ? key : key.slice(0, colon);
    return `${this.#keyPrefix}{${identity}}${key.slice(identity.length)}`;
  }

  /**
   * Runs a write script with a deadline on Redis's own clock (read first, so that the clocks of Redis and
   * of this process need not agree): made within {@link DEADLINE_MS} of now, or not at all.
   */
  #write(operation: string, script: string, redisKey: string, args: readonly string[]): Promise<unknown> {
    return this.#send(operation, async () => {
      const started = performance.now();
      const serverNow = Number(await this.#redis.eval(SERVER_TIME, [redisKey], []));
      const budget = Math.floor(DEADLINE_MS - (performance.now() - started));
      this.#assertReady(operation);
      const outcome = budget > 0 ? await this.#redis.eval(script, [redisKey], [String(serverNow + budget), ...args]) : TOO_LATE;
      if (outcome === TOO_LATE) {
        throw new NetworkError(`RedisTokenStore: ${operation} could not reach Redis within ${DEADLINE_MS} ms (Redis was slow, or the connection dropped and the client resent it), so it was not made.`);
      }
      return outcome;
    });
  }

  /**
   * Runs one operation, only when the client would send its commands at once, and settles within
   * {@link DEADLINE_MS}; its failure becomes an error of this library's.
   */
  async #send<T>(operation: string, command: () => Promise<T>): Promise<T> {
    this.#assertReady(operation);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NetworkError(`RedisTokenStore: ${operation} got no answer from Redis within ${DEADLINE_MS} ms.`)), DEADLINE_MS);
    });
    try {
      return await Promise.race([command(), deadline]);
    } catch (error) {
      if (error instanceof OAuthCcgError) throw error;
      // Only the message: a client's error can carry the command and its arguments (ioredis's `command`).
      throw new OAuthCcgError(`RedisTokenStore: ${operation} failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  #assertReady(operation: string): void {
    if (!this.#redis.ready) {
      throw new NetworkError(`RedisTokenStore: the Redis client is not ready (connecting, reconnecting or closed), so ${operation} was not sent rather than queued.`);
    }
  }

  /** Shows the client's kind and the key prefix: no values, no keys, no encryption key. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `RedisTokenStore { client: '${this.#redis.kind}', keyPrefix: ${JSON.stringify(this.#keyPrefix)}, watchedKeys: ${this.#subscription.channelCount} }`;
  }
}

/** Redis counts lifetimes in whole milliseconds, and at least one. */
function milliseconds(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs)));
}
