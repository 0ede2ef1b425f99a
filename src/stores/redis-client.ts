// The Redis clients RedisTokenStore accepts, described by the few members it uses, and one small
// connection interface over both. Structural types only: the package never loads `redis` or `ioredis`,
// so it forces neither on anyone; the store works with the client object its user already has.
import { ConfigurationError } from '../errors.ts';
import type { RedisTokenStore } from './redis-token-store.ts';

/** A node-redis client (package `redis` or `@redis/client`, version 4 and later), connected by its owner. */
export interface NodeRedisClient {
  /** True while the client is connected and commands go straight to Redis. */
  readonly isReady: boolean;
  /** GET, for {@link RedisTokenStore.get}. */
  get(key: string): Promise<unknown>;
  /** EVAL, for every write (each one Lua script). */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  /** A new client with the same options: the subscriber connection of {@link RedisTokenStore.watch}. */
  duplicate(): NodeRedisSubscriber;
}

/** The events of a subscriber connection (node-redis and ioredis clients are Node event emitters). */
export interface ConnectionEvents {
  /** The store listens to every `'error'`, so that none is unhandled. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** `'ready'`: connected. `'close'`: the connection closed before it was ready. */
  once(event: 'ready' | 'close', listener: () => void): unknown;
  /** The first error while connecting: Redis is away. */
  once(event: 'error', listener: (error: unknown) => void): unknown;
  /** Removes a listener given to `once`. */
  removeListener(event: 'ready' | 'close', listener: () => void): unknown;
  /** Removes a listener given to `once`. */
  removeListener(event: 'error', listener: (error: unknown) => void): unknown;
}

/** The members of a duplicated node-redis client that pub/sub uses. */
export interface NodeRedisSubscriber extends ConnectionEvents {
  /** True while connected. */
  readonly isReady: boolean;
  /** Connects it. */
  connect(): Promise<unknown>;
  /** SUBSCRIBE, with the listener of the channel's messages. */
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  /** UNSUBSCRIBE. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Version 5 and later: closes at once. */
  destroy?(): void;
  /** Version 4: closes at once (deprecated in favour of `destroy` since version 5). */
  disconnect(): Promise<unknown>;
}

/** An ioredis client (`new Redis(...)`, or a `Cluster`). */
export interface IoRedisClient {
  /** `'ready'` while the client is connected and commands go straight to Redis. */
  readonly status: string;
  /** GET, for {@link RedisTokenStore.get}. */
  get(key: string): Promise<unknown>;
  /** EVAL, for every write (each one Lua script). */
  eval(script: string, numberOfKeys: number, ...keysThenArguments: string[]): Promise<unknown>;
  /** A new client with the same options: the subscriber connection of {@link RedisTokenStore.watch}. */
  duplicate(): IoRedisSubscriber;
}

/** The members of a duplicated ioredis client that pub/sub uses. */
export interface IoRedisSubscriber extends ConnectionEvents {
  /** `'ready'` while connected; `'wait'` when made with `lazyConnect` and not connected yet. */
  readonly status: string;
  /** The store listens to every `'error'`, so that none is unhandled. */
  on(event: 'error', listener: (error: unknown) => void): unknown;
  /** The messages of every channel subscribed to. */
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  /** Connects a client made with `lazyConnect`. */
  connect(): Promise<unknown>;
  /** SUBSCRIBE. */
  subscribe(channel: string): Promise<unknown>;
  /** UNSUBSCRIBE. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Closes it at once. */
  disconnect(): void;
}

/** The Redis client a {@link RedisTokenStore} is given: node-redis (v4 and later) or ioredis. */
export type RedisClient = NodeRedisClient | IoRedisClient;

/** What the store needs of Redis, whichever client speaks it. */
export interface RedisConnection {
  /** Which client this is, for `inspect`. */
  readonly kind: 'node-redis' | 'ioredis';
  /**
   * Whether a command sent now goes straight to Redis. When not, the client would hold it in its offline
   * queue and send it on reconnecting, perhaps long after its caller gave up: the store sends nothing then.
   */
  readonly ready: boolean;
  get(key: string): Promise<string | undefined>;
  eval(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** Opens a second connection for pub/sub; rejects (and closes it) when it cannot connect. */
  openSubscriber(onMessage: (channel: string) => void): Promise<RedisSubscriber>;
}

/** A connection in subscriber mode. */
export interface RedisSubscriber {
  readonly ready: boolean;
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Closes the connection at once, whatever is pending, so that it never keeps the process alive. */
  close(): void;
}

/** Recognises the client once, by the member that tells each apart: `isReady` (node-redis) or `status` (ioredis). */
export function redisConnectionOf(client: RedisClient): RedisConnection {
  const candidate = client as Partial<Record<'isReady' | 'status' | 'eval' | 'duplicate', unknown>> | null | undefined;
  const usable = typeof candidate === 'object' && candidate !== null && typeof candidate.eval === 'function' && typeof candidate.duplicate === 'function';
  if (usable && typeof candidate.isReady === 'boolean') return nodeRedisConnection(client as NodeRedisClient);
  if (usable && typeof candidate.status === 'string') return ioRedisConnection(client as IoRedisClient);
  throw new ConfigurationError('RedisTokenStore: client must be a node-redis client (version 4 and later) or an ioredis client.');
}

function nodeRedisConnection(client: NodeRedisClient): RedisConnection {
  return {
    kind: 'node-redis',
    get ready() {
      return client.isReady;
    },
    get: async (key) => textOf(await client.get(key)),
    eval: (script, keys, args) => client.eval(script, { keys: [...keys], arguments: [...args] }),
    async openSubscriber(onMessage) {
      const subscriber = client.duplicate();
      const close = () => (subscriber.destroy ? subscriber.destroy() : void subscriber.disconnect().catch(ignore));
      await connectedOrClosed(subscriber, () => subscriber.connect(), close);
      return {
        get ready() {
          return subscriber.isReady;
        },
        subscribe: async (channel) => void (await subscriber.subscribe(channel, () => onMessage(channel))),
        unsubscribe: async (channel) => void (await subscriber.unsubscribe(channel)),
        close,
      };
    },
  };
}

function ioRedisConnection(client: IoRedisClient): RedisConnection {
  return {
    kind: 'ioredis',
    get ready() {
      return client.status === 'ready';
    },
    get: async (key) => textOf(await client.get(key)),
    eval: (script, keys, args) => client.eval(script, keys.length, ...keys, ...args),
    async openSubscriber(onMessage) {
      const subscriber = client.duplicate();
      const close = () => subscriber.disconnect();
      subscriber.on('message', (channel) => onMessage(channel));
      // ioredis connects a new client at once, unless it was made with `lazyConnect`.
      await connectedOrClosed(subscriber, () => (subscriber.status === 'wait' ? subscriber.connect() : undefined), close);
      return {
        get ready() {
          return subscriber.status === 'ready';
        },
        subscribe: async (channel) => void (await subscriber.subscribe(channel)),
        unsubscribe: async (channel) => void (await subscriber.unsubscribe(channel)),
        close,
      };
    },
  };
}

/**
 * Connects a new connection and resolves once it is ready. At its first error, or if it closes first, it is
 * closed for good and the promise rejects: Redis is away, and the watcher polls rather than wait out the
 * client's reconnects. (ioredis may only close, when Redis refuses it before it has sent a command.)
 * Later errors are the connection reconnecting on its own, and are not the store's to report.
 */
async function connectedOrClosed(connection: ConnectionEvents, connect: () => Promise<unknown> | undefined, close: () => void): Promise<void> {
  connection.on('error', ignore);
  let onReady: () => void = ignore;
  let onClose: () => void = ignore;
  let onError: (error: unknown) => void = ignore;
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('ready', (onReady = resolve));
      connection.once('close', (onClose = () => reject(new Error('the connection closed before it was ready'))));
      connection.once('error', (onError = reject));
      connect()?.catch(reject);
    });
  } catch (error) {
    close();
    throw error;
  } finally {
    connection.removeListener('ready', onReady);
    connection.removeListener('close', onClose);
    connection.removeListener('error', onError);
  }
}

/** A bulk string reply as text: a client with a `typeMapping` (node-redis) may hand it over as bytes (a Buffer). */
function textOf(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  return typeof reply === 'string' ? reply : new TextDecoder().decode(reply as Uint8Array);
}

/** For outcomes no one waits for: a connection's errors, a close that fails on a connection already gone. */
export function ignore(): void {}
