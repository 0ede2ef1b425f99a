// Watching keys over Redis pub/sub: one subscriber connection for every key a store watches, opened with
// the first watcher and closed with the last, so that it never keeps the process alive once no one waits.
import { NetworkError } from '../errors.ts';
import { ignore, type RedisConnection, type RedisSubscriber } from './redis-client.ts';

interface Channel {
  readonly listeners: Set<() => void>;
  /** Settles once Redis has confirmed the subscription: a watcher is told of sets from then on. */
  readonly subscribed: Promise<void>;
}

/** The listeners of each channel, over one subscriber connection shared by all of them. */
export class SharedSubscription {
  readonly #redis: RedisConnection;
  readonly #channels = new Map<string, Channel>();
  #subscriber: Promise<RedisSubscriber> | undefined;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
  }

  /** How many channels have listeners. */
  get channelCount(): number {
    return this.#channels.size;
  }

  /** Calls `listener` at each message on `channel` until the function it resolves to is called; rejects when Redis cannot subscribe. */
  async watch(channel: string, listener: () => void): Promise<() => void> {
    let entry = this.#channels.get(channel);
    if (!entry) this.#channels.set(channel, (entry = { listeners: new Set(), subscribed: this.#subscribe(channel) }));
    // Its own function, so that one listener watching twice is stopped once per watch.
    const own = () => listener();
    entry.listeners.add(own);
    const stop = () => this.#stop(channel, own);
    try {
      await entry.subscribed;
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  async #subscribe(channel: string): Promise<void> {
    const subscriber = await (this.#subscriber ??= this.#redis.openSubscriber((from) => this.#notify(from)));
    // A subscriber that is reconnecting would queue the SUBSCRIBE until Redis is back: the watcher polls instead.
    if (!subscriber.ready) throw new NetworkError('RedisTokenStore: the subscriber connection is reconnecting, so watch could not subscribe.');
    await subscriber.subscribe(channel);
  }

  #notify(channel: string): void {
    // Outside the client's reply parser, which a listener's work should not run inside of.
    for (const listener of this.#channels.get(channel)?.listeners ?? []) queueMicrotask(listener);
  }

  #stop(channel: string, listener: () => void): void {
    const entry = this.#channels.get(channel);
    if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) return;
    this.#channels.delete(channel);
    const subscriber = this.#subscriber;
    if (this.#channels.size === 0) {
      // The last watcher: close the connection, pending or not, and open a new one for the next watcher.
      this.#subscriber = undefined;
      subscriber?.then((connection) => connection.close(), ignore);
    } else {
      // While reconnecting, an UNSUBSCRIBE would wait in a queue: the client then resubscribes and the
      // channel's messages, for which no listener is left, are dropped by #notify.
      subscriber?.then((connection) => (connection.ready ? connection.unsubscribe(channel) : undefined)).catch(ignore);
    }
  }
}
