// The Redis store, over node-redis and over ioredis, against a redis-server of the tests' own: the
// TokenStore contract, its keys, wake-ups across connections, and Redis dying and coming back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';
import { createClient, RESP_TYPES } from 'redis';
import { Redis } from 'ioredis';
import { ConfigurationError, NetworkError, OAuthCcgError } from '../src/errors.ts';
import { RedisTokenStore, type RedisClient } from '../src/redis.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';
import { tokenStoreContract } from './support/token-store-contract.ts';

/** A user's own client, connected, with the `'error'` listener every Redis client wants. */
interface UserClient {
  readonly client: RedisClient;
  readonly isReady: () => boolean;
  close(): void;
}

async function nodeRedisClient(server: RedisServer): Promise<UserClient> {
  const client = createClient({ url: server.url });
  client.on('error', () => {});
  await client.connect();
  return { client, isReady: () => client.isReady, close: () => client.destroy() };
}

async function ioRedisClient(server: RedisServer): Promise<UserClient> {
  const client = new Redis(server.port, '127.0.0.1');
  client.on('error', () => {});
  await once(client, 'ready');
  return { client, isReady: () => client.status === 'ready', close: () => client.disconnect() };
}

const CLIENTS = { 'node-redis': nodeRedisClient, ioredis: ioRedisClient };

/** A redis-server of its own and a user's client of it, for the tests of one `describe`. */
function ownRedis(connect: (server: RedisServer) => Promise<UserClient>): { readonly server: RedisServer; readonly user: UserClient } {
  const own = {} as { server: RedisServer; user: UserClient };
  before(async () => {
    own.server = await startRedisServer();
    own.user = await connect(own.server);
  });
  after(async () => {
    own.user.close();
    await own.server.close();
  });
  return own;
}

/** A key of the library's shape, fresh for each use. */
const digest = () => randomUUID().replaceAll('-', '');

/** A plain client that looks at what the store left in Redis. */
async function inspector(server: RedisServer) {
  return createClient({ url: server.url })
    .on('error', () => {})
    .connect();
}

/** How many connections Redis has: all, or those in subscriber mode. */
async function connectionsTo(redis: Awaited<ReturnType<typeof inspector>>, type?: 'pubsub'): Promise<number> {
  const list = await redis.sendCommand<string>(['CLIENT', 'LIST', ...(type ? ['TYPE', type] : [])]);
  return list.split('\n').filter(Boolean).length;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  for (const started = Date.now(); !(await condition()); await sleep(20)) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
  }
}

// Whatever Redis does, the store leaves no promise rejection and no error event unhandled.
const unhandled: unknown[] = [];
const record = (error: unknown) => unhandled.push(error);
before(() => {
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
});
after(() => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  assert.deepEqual(unhandled, []);
});

test('the store refuses what is not a Redis client, and a key prefix that would break the hash tag', () => {
  assert.throws(() => new RedisTokenStore({ client: {} as RedisClient }), ConfigurationError);
  assert.throws(() => new RedisTokenStore({ client: null as unknown as RedisClient }), ConfigurationError);
  const client = { isReady: true, eval: async () => 0, get: async () => null, duplicate: () => ({}) } as unknown as RedisClient;
  for (const keyPrefix of ['app:{x}:', 'a{', '}', 7 as unknown as string]) {
    assert.throws(() => new RedisTokenStore({ client, keyPrefix }), ConfigurationError, String(keyPrefix));
  }
  assert.throws(() => new RedisTokenStore({ client, encryptionKey: 'short' }), ConfigurationError);
  assert.deepEqual(new RedisTokenStore({ client, unencrypted: true }).sealing, { unencrypted: true });
});

for (const [name, connect] of Object.entries(CLIENTS)) {
  describe(`RedisTokenStore over ${name}`, () => {
    const main = ownRedis(connect);

    tokenStoreContract(`RedisTokenStore over ${name}`, () => new RedisTokenStore({ client: main.user.client }));

    test('keys carry the prefix, and both keys of one identity share a hash tag', async () => {
      const redis = await inspector(main.server);
      try {
        const identity = digest();
        const store = new RedisTokenStore({ client: main.user.client, keyPrefix: 'fleet-a:' });
        await store.set(`${identity}:token`, 'sealed', 10_000);
        await store.setIfAbsent(`${identity}:lock`, 'holder', 10_000);
        assert.deepEqual((await redis.keys('fleet-a:*')).sort(), [`fleet-a:{${identity}}:lock`, `fleet-a:{${identity}}:token`]);
        assert.ok((await redis.pTTL(`fleet-a:{${identity}}:token`)) > 9_000, 'the lifetime is set in Redis');

        const other = digest();
        await new RedisTokenStore({ client: main.user.client }).set(`${other}:token`, 'sealed', 10_000);
        assert.deepEqual(await redis.keys(`*${other}*`), [`oauth-ccg:{${other}}:token`], 'the default prefix');
      } finally {
        redis.destroy();
      }
    });

    test('a set through one connection wakes a watcher of the key on another, and no other key’s', async () => {
      const setter = await connect(main.server);
      try {
        const watched = `${digest()}:token`;
        const store = new RedisTokenStore({ client: main.user.client });
        let woken = 0;
        const stop = await store.watch(watched, () => woken++);
        await new RedisTokenStore({ client: setter.client }).set(`${digest()}:token`, 'other', 10_000);
        await sleep(100);
        assert.equal(woken, 0, 'a set of another key wakes no one');
        await new RedisTokenStore({ client: setter.client }).set(watched, 'sealed', 10_000);
        await until(() => woken === 1);
        stop();
      } finally {
        setter.close();
      }
    });

    test('one subscriber connection serves every watcher, and closes with the last', async () => {
      const redis = await inspector(main.server);
      const subscribers = () => connectionsTo(redis, 'pubsub');
      try {
        const store = new RedisTokenStore({ client: main.user.client });
        const [a, b] = [`${digest()}:token`, `${digest()}:token`];
        const calls: string[] = [];
        const stops = await Promise.all([store.watch(a, () => calls.push('a1')), store.watch(a, () => calls.push('a2')), store.watch(b, () => calls.push('b'))]);
        assert.equal(await subscribers(), 1);
        assert.match(inspect(store), /watchedKeys: 2/);
        await store.set(a, 'sealed', 10_000);
        await until(() => calls.length === 2);
        assert.deepEqual(calls.sort(), ['a1', 'a2']);

        stops[0]!();
        stops[0]!(); // stopping twice stops one watcher, once
        await store.set(a, 'sealed', 10_000);
        await until(() => calls.length === 3);
        assert.equal(calls[2], 'a2');

        stops[1]!();
        stops[2]!();
        await until(async () => (await subscribers()) === 0);
        assert.match(inspect(store), /watchedKeys: 0/);
        // The next watcher opens a new one.
        const stop = await store.watch(b, () => calls.push('b again'));
        await store.set(b, 'sealed', 10_000);
        await until(() => calls.includes('b again'));
        stop();
        await until(async () => (await subscribers()) === 0);
      } finally {
        redis.destroy();
      }
    });

    test('watch rejects when the subscriber connection cannot connect, and leaves no connection behind', async () => {
      const redis = await inspector(main.server);
      const connections = () => connectionsTo(redis);
      const before = await connections();
      try {
        await redis.configSet('maxclients', String(before)); // the next connection is refused
        const store = new RedisTokenStore({ client: main.user.client });
        await assert.rejects(store.watch(`${digest()}:token`, () => {}), /^OAuthCcgError: RedisTokenStore: watch failed: /);
      } finally {
        await redis.configSet('maxclients', '10000');
      }
      try {
        await sleep(1_000); // time for a connection left behind to reconnect
        assert.equal(await connections(), before);
      } finally {
        redis.destroy();
      }
    });

    test('a process whose watcher has stopped exits once it closes its own client', async () => {
      const program = `
        import { RedisTokenStore } from ${JSON.stringify(new URL('../src/redis.ts', import.meta.url).href)};
        const { client, close } = await (${name === 'node-redis' ? 'nodeRedis' : 'ioRedis'})();
        const store = new RedisTokenStore({ client });
        const stop = await store.watch('${digest()}:token', () => {});
        await store.set('${digest()}:token', 'sealed', 10_000);
        stop();
        await close();
        console.log('closed');
        async function nodeRedis() {
          const { createClient } = await import('redis');
          const client = await createClient({ url: ${JSON.stringify(main.server.url)} }).connect();
          return { client, close: () => client.close() };
        }
        async function ioRedis() {
          const { Redis } = await import('ioredis');
          const client = new Redis(${main.server.port}, '127.0.0.1');
          await new Promise((resolve) => client.once('ready', resolve));
          return { client, close: () => client.quit() };
        }`;
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'inherit'] });
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      // Starting Node with tsx takes seconds on a busy machine: the clock starts once the program is done.
      await Promise.race([once(child.stdout, 'data'), exited]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      const [code, signal] = await exited;
      clearTimeout(timer);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, 'it exited by itself');
    });

    test('a write that reaches Redis after its deadline is not made', async () => {
      // A client whose write scripts (those with arguments) travel 1.2 s: as if resent after a reconnect.
      const slow = new Proxy(main.user.client, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (property !== 'eval' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: unknown[]) => {
            const keysAndArguments = JSON.stringify(args.slice(1));
            if (!keysAndArguments.includes('holder')) return value.apply(target, args);
            await sleep(1_200);
            return value.apply(target, args);
          };
        },
      });
      const store = new RedisTokenStore({ client: slow });
      const key = `${digest()}:lock`;
      // Rejected at the deadline (or, on a machine too busy to run the timer first, by Redis's refusal).
      await assert.rejects(store.setIfAbsent(key, 'holder', 10_000), (error) => error instanceof NetworkError && /within 1000 ms/.test(error.message));
      await sleep(400);
      assert.equal(await new RedisTokenStore({ client: main.user.client }).get(key), undefined, 'Redis refused the late write');
    });

    test('a Redis error rejects with an error of the library that carries no value', async () => {
      const redis = await inspector(main.server);
      try {
        const identity = digest();
        await redis.hSet(`oauth-ccg:{${identity}}:token`, 'field', 'x'); // not a string: GET answers WRONGTYPE
        const store = new RedisTokenStore({ client: main.user.client });
        const sealed = `sealed-${randomUUID()}`;
        const error = await store.deleteIf(`${identity}:token`, sealed).then(
          () => assert.fail('deleteIf resolved'),
          (rejection: unknown) => rejection,
        );
        assert.ok(error instanceof OAuthCcgError);
        assert.match(error.message, /^RedisTokenStore: deleteIf failed: .*WRONGTYPE/);
        assert.equal(error.cause, undefined);
        assert.ok(!inspect(error, { depth: 5, showHidden: true }).includes(sealed));
      } finally {
        redis.destroy();
      }
    });

    test('inspect shows no value, no key and no encryption key', async () => {
      const encryptionKey = `key-${randomUUID()}`;
      const store = new RedisTokenStore({ client: main.user.client, encryptionKey });
      const identity = digest();
      await store.set(`${identity}:token`, 'sealed-value', 10_000);
      const shown = inspect(store, { depth: 5, showHidden: true });
      assert.equal(shown, `RedisTokenStore { client: '${name}', keyPrefix: "oauth-ccg:", watchedKeys: 0 }`);
    });

    describe('when Redis dies', () => {
      const dying = ownRedis(connect);

      test('operations in flight settle within the deadline, later ones reject at once, none is made after the restart', async () => {
        const store = new RedisTokenStore({ client: dying.user.client });
        let woken = 0;
        const watched = `${digest()}:token`;
        const stopWatching = await store.watch(watched, () => woken++);
        const identities = Array.from({ length: 100 }, digest);
        const inFlight = identities.map((identity, i) =>
          (i % 2 ? store.setIfAbsent(`${identity}:lock`, 'holder', 60_000) : store.set(`${identity}:token`, 'sealed', 60_000)).then(
            () => 'made',
            (error: unknown) => (error instanceof OAuthCcgError ? 'rejected' : error),
          ),
        );
        const killed = Date.now();
        await dying.server.kill();
        const outcomes = await Promise.all(inFlight);
        assert.ok(Date.now() - killed < 3_000, `settled ${Date.now() - killed} ms after the kill, not once Redis is back`);
        for (const outcome of outcomes) assert.ok(outcome === 'made' || outcome === 'rejected', String(outcome));

        await until(() => !dying.user.isReady());
        const key = `${digest()}:lock`;
        for (const operation of [
          () => store.get(key),
          () => store.set(key, 'sealed', 60_000),
          () => store.setIfAbsent(key, 'holder', 60_000),
          () => store.expireIf(key, 'holder', 60_000),
          () => store.deleteIf(key, 'holder'),
          () => store.watch(key, () => {}),
        ]) {
          let pending: Promise<unknown> | undefined;
          assert.doesNotThrow(() => (pending = operation()), 'no method throws synchronously');
          // At once: before the event loop has even polled for I/O.
          const settled = await Promise.race([pending!.then(() => 'resolved', (error: unknown) => error), new Promise((resolve) => setImmediate(resolve, 'pending'))]);
          assert.ok(settled instanceof NetworkError && /not ready/.test(settled.message), String(settled));
        }

        await dying.server.restart();
        await until(dying.user.isReady);
        const redis = await inspector(dying.server);
        try {
          await sleep(300); // time for a client to resend what it kept
          // The restarted Redis started empty: whatever it holds was written after the restart.
          assert.deepEqual(await redis.keys('*'), [], 'no write was made late');
          assert.equal(await store.setIfAbsent(key, 'holder', 60_000), true, 'the command issued while Redis was away was not replayed');
          assert.equal(await store.get(key), 'holder', 'the store works again');

          // The watcher from before the kill is subscribed again by the client.
          await until(async () => {
            await store.set(watched, 'sealed', 60_000);
            return woken > 0;
          });
        } finally {
          stopWatching();
          redis.destroy();
        }
        assert.deepEqual(unhandled, []);
      });

      test('a watcher stopped while Redis is away leaves no subscriber connection to come back', async () => {
        const store = new RedisTokenStore({ client: dying.user.client });
        const stop = await store.watch(`${digest()}:token`, () => {});
        await dying.server.kill();
        await until(() => !dying.user.isReady());
        stop();
        await dying.server.restart();
        await until(dying.user.isReady);
        const redis = await inspector(dying.server);
        try {
          await sleep(1_500); // longer than a subscriber left behind would take to reconnect
          assert.equal(await connectionsTo(redis, 'pubsub'), 0);
        } finally {
          redis.destroy();
        }
      });
    });

    if (name === 'node-redis') {
      test('a client that maps strings to Buffers still reads text', async () => {
        const buffers = (main.user.client as ReturnType<typeof createClient>).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
        const store = new RedisTokenStore({ client: buffers });
        const key = `${digest()}:token`;
        await store.set(key, 'sealed-é', 10_000);
        assert.equal(await store.get(key), 'sealed-é');
        assert.equal(await store.deleteIf(key, 'sealed-é'), true);
      });
    }
  });
}
