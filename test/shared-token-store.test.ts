// Sharing tokens through a store, within one process (MemoryTokenStore), against the real authorization
// server: one token request for many clients, renewal and 401 storms shared, a failing store never failing
// a call, values sealed and checked. The same rules across processes: test/fleet.test.ts.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { inspect, promisify } from 'node:util';
import { Client, ClientClosedError, ConfigurationError, MemoryTokenStore, type ClientConfiguration, type OAuthEvent, type OAuthToken } from 'oauth-ccg';
import { startAuthorizationServer, type AuthorizationServer, type RegisteredClient } from './support/authorization-server.ts';
import { ObservedStore } from './support/observed-store.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer({ shortTokenTtlSeconds: 3 });
});
after(() => server.close());
beforeEach(() => {
  server.reset();
  server.setTokenEndpointDelay(0);
});

interface Fleet {
  clients: Client[];
  events: OAuthEvent[][];
  updates: OAuthToken[];
}

/** `size` clients of one identity sharing `store`, each with its own events. */
function fleet(size: number, store: ObservedStore, registered: RegisteredClient = server.clients.basic, options: Partial<ClientConfiguration> = {}): Fleet {
  const events: OAuthEvent[][] = [];
  const updates: OAuthToken[] = [];
  const clients = Array.from({ length: size }, (_, index) => {
    events[index] = [];
    return new Client({
      baseUrl: server.apiUrl,
      tokenUrl: server.tokenUrl,
      tokenStore: store,
      clientCredentialsAuthCredentials: {
        oAuthClientId: registered.id,
        oAuthClientSecret: registered.secret,
        oAuthOnTokenUpdate: (token) => void updates.push(token),
      },
      onEvent: (event) => events[index]!.push(event),
      ...options,
    });
  });
  return { clients, events, updates };
}

/** `size` clients sharing one store whose oAuthTokenProvider takes `delayMs`, then fetches a token; `calls()` counts the provider's calls. */
function providerFleet(size: number, delayMs: number, options: Partial<ClientConfiguration> = {}): { clients: Client[]; calls: () => number } {
  const store = new MemoryTokenStore({ encryptionKey: 'a key of at least sixteen bytes' });
  let calls = 0;
  const clients = Array.from(
    { length: size },
    () =>
      new Client({
        baseUrl: server.apiUrl,
        tokenUrl: server.tokenUrl,
        tokenStore: store,
        clientCredentialsAuthCredentials: {
          oAuthTokenProvider: async (_last, manager) => {
            calls++;
            await sleep(delayMs);
            return manager.fetchToken();
          },
          oAuthClientId: server.clients.basic.id,
          oAuthClientSecret: server.clients.basic.secret,
        },
        ...options,
      }),
  );
  return { clients, calls: () => calls };
}

const observed = () => new ObservedStore(new MemoryTokenStore());
const ofType = (events: OAuthEvent[], type: OAuthEvent['type']) => events.filter((event) => event.type === type);

describe('clients sharing a MemoryTokenStore', () => {
  test('a cold burst across five clients makes one token request; only the client that fetched calls oAuthOnTokenUpdate', async () => {
    const store = observed();
    const { clients, events, updates } = fleet(5, store);
    const responses = await Promise.all(clients.flatMap((client) => Array.from({ length: 10 }, () => client.fetch('/whoami'))));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(updates.length, 1);
    const sources = events.flatMap((list) => ofType(list, 'token-updated')).map((event) => (event as { source: string }).source).sort();
    assert.deepEqual(sources, ['endpoint', 'store', 'store', 'store', 'store']);
  });

  test('a call with a token held makes no store call at all', async () => {
    const store = observed();
    const [client] = fleet(1, store).clients;
    await client!.fetch('/whoami');
    const before = store.calls.length;
    for (let index = 0; index < 50; index++) await client!.fetch('/whoami');
    assert.equal(store.calls.length, before);
  });

  test('the store holds sealed values under digest keys: no token, no secret, no client id', async () => {
    const store = observed();
    const { clients, updates } = fleet(1, store);
    await clients[0]!.fetch('/whoami');
    const written = store.calls.filter((call) => call.operation === 'set');
    assert.equal(written.length, 1);
    const everything = JSON.stringify(store.calls);
    for (const secret of [updates[0]!.accessToken, server.clients.basic.secret, server.clients.basic.id]) assert.ok(!everything.includes(secret));
    assert.match(written[0]!.key, /^[A-Za-z0-9_-]{43}:token$/);
    assert.match(written[0]!.value!, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(inspect(store, { depth: 5, showHidden: true }), new RegExp(updates[0]!.accessToken.slice(0, 12)));
  });

  test('different scopes are different identities, with different keys and tokens', async () => {
    const store = observed();
    const [read] = fleet(1, store, server.clients.basic, { clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret, oAuthScopes: ['read'] } }).clients;
    const [write] = fleet(1, store, server.clients.basic, { clientCredentialsAuthCredentials: { oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret, oAuthScopes: ['write'] } }).clients;
    await read!.fetch('/whoami');
    await write!.fetch('/whoami');
    assert.equal(server.tokenRequests.length, 2);
    assert.equal(new Set(store.calls.filter((call) => call.operation === 'set').map((call) => call.key)).size, 2);
  });

  test('a 401 storm on a revoked token across five clients makes one new token request', async () => {
    const store = observed();
    const { clients } = fleet(5, store);
    await Promise.all(clients.map((client) => client.fetch('/whoami')));
    await server.revokeAllTokens();
    server.reset();
    const responses = await Promise.all(clients.flatMap((client) => Array.from({ length: 10 }, () => client.fetch('/whoami'))));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(server.tokenRequests.length, 1);
    assert.ok(store.count('deleteIf') >= 1, 'the refused token was removed from the store');
  });

  test('revokeToken() resolves once the store no longer holds the token: a process may exit right after', async () => {
    const store = observed();
    const [client] = fleet(1, store, server.clients.basic, { revocationUrl: server.revocationUrl }).clients;
    await client!.fetch('/whoami');
    const { key } = store.calls.find((call) => call.operation === 'set')!;
    assert.notEqual(await store.get(key), undefined);
    await client!.clientCredentialsAuthManager.revokeToken();
    assert.equal(await store.get(key), undefined);
    await client!.close();
  });

  test('renewal ahead of expiry is shared: three-second tokens renewed once per renewal for four clients', async () => {
    const store = observed();
    const { clients } = fleet(4, store, server.clients.shortLived, { tokenRequestAttempts: 1 });
    const started = Date.now();
    let failures = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (Date.now() - started < 7_000) {
          const response = await client.fetch('/whoami').catch(() => undefined);
          if (response?.status !== 200) failures++;
          await sleep(20);
        }
      }),
    );
    const elapsed = Date.now() - started;
    assert.equal(failures, 0);
    // A 3 s token renews from 1.33 s after it was fetched: unshared, four clients would make four times this.
    assert.ok(server.tokenRequests.length <= Math.ceil(elapsed / 1_333) + 1, `${server.tokenRequests.length} token requests in ${elapsed} ms`);
    assert.ok(server.tokenRequests.length >= 3, 'tokens were renewed');
  });

  test('the provider composes with the store: called once for all clients, behind the lock', async () => {
    const { clients, calls } = providerFleet(3, 50);
    const responses = await Promise.all(clients.map((client) => client.fetch('/whoami')));
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(calls(), 1);
  });

  test("a waiter waits as long as the holder's provider may take, not one token request's retries", async () => {
    // One 300 ms attempt per token request: a waiter that counted those would give up after 600 ms.
    const { clients, calls } = providerFleet(2, 1_500, { timeout: 300, tokenRequestAttempts: 1, tokenProviderTimeout: 10_000 });
    const first = clients[0]!.fetch('/whoami');
    await sleep(50);
    const responses = await Promise.all([first, clients[1]!.fetch('/whoami')]);
    assert.ok(responses.every((response) => response.status === 200));
    assert.equal(calls(), 1, "the waiter took the holder's token");
    assert.equal(server.tokenRequests.length, 1);
  });

  test('a lock holder that died is replaced once its lease (one request timeout) lapses', async () => {
    const store = observed();
    const [client] = fleet(1, store, server.clients.basic, { timeout: 600 }).clients;
    // Learn the identity's keys, then empty the store and leave a lock behind, as a killed process would.
    await client!.fetch('/whoami');
    const tokenKey = store.calls.find((call) => call.operation === 'set')!.key;
    const lockKey = tokenKey.replace(/:token$/, ':lock');
    const [other] = fleet(1, store, server.clients.basic, { timeout: 600 }).clients;
    await store.deleteIf(tokenKey, store.calls.find((call) => call.operation === 'set')!.value!);
    server.reset();
    await store.setIfAbsent(lockKey, 'dead-process', 600);
    const started = Date.now();
    assert.equal((await other!.fetch('/whoami')).status, 200);
    assert.ok(Date.now() - started >= 400, 'it waited for the lease');
    assert.equal(server.tokenRequests.length, 1);
  });

  test('close() ends a wait for another process at once', async () => {
    const store = observed();
    const [client] = fleet(1, store).clients;
    await client!.fetch('/whoami');
    const set = store.calls.find((call) => call.operation === 'set')!;
    const [waiter] = fleet(1, store).clients;
    await store.deleteIf(set.key, set.value!);
    await store.setIfAbsent(set.key.replace(/:token$/, ':lock'), 'busy-process', 60_000);
    const waiting = waiter!.fetch('/whoami');
    await sleep(100);
    const started = Date.now();
    await waiter!.close();
    await assert.rejects(waiting, ClientClosedError);
    assert.ok(Date.now() - started < 1_000);
  });
});

describe('a store that fails', () => {
  for (const fault of ['reject', 'hang'] as const) {
    test(`a store that ${fault === 'reject' ? 'rejects' : 'never answers'} fails no call; sharing resumes when it answers again`, async () => {
      const store = observed();
      store.fault = fault;
      const { clients, events } = fleet(3, store, server.clients.basic, { tokenStoreTimeout: 100 });
      const responses = await Promise.all(clients.map((client) => client.fetch('/whoami')));
      assert.ok(responses.every((response) => response.status === 200));
      assert.ok(events.every((list) => ofType(list, 'store-failed').length >= 1));
      assert.ok(events.every((list) => ofType(list, 'token-failed').length === 0));

      // Back after the pause: the next client's token is shared again.
      store.fault = 'none';
      await sleep(2_100);
      server.reset();
      const later = fleet(3, store);
      const again = await Promise.all(later.clients.map((client) => client.fetch('/whoami')));
      assert.ok(again.every((response) => response.status === 200));
      assert.equal(server.tokenRequests.length, 1);
    });
  }

  test('a shared-store module that cannot be loaded (a bundle without its chunk) leaves the client working without the store', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'oauth-ccg-missing-chunk-'));
    try {
      // A module hook that refuses the shared source, as a deployment that dropped the lazily loaded chunk would.
      await writeFile(join(scratch, 'hook.mjs'), "export async function resolve(specifier, context, next) { if (specifier.includes('shared-token-source')) throw new Error('chunk missing'); return next(specifier, context); }\n");
      await writeFile(join(scratch, 'register.mjs'), "import { register } from 'node:module'; register('./hook.mjs', import.meta.url);\n");
      const program = `
        const { Client, MemoryTokenStore } = await import(${JSON.stringify(pathToFileURL(resolvePath('src/index.ts')).href)});
        const events = [];
        const client = new Client({
          baseUrl: ${JSON.stringify(server.apiUrl)}, tokenUrl: ${JSON.stringify(server.tokenUrl)},
          tokenStore: new MemoryTokenStore({ unencrypted: true }),
          clientCredentialsAuthCredentials: { oAuthClientId: ${JSON.stringify(server.clients.basic.id)}, oAuthClientSecret: ${JSON.stringify(server.clients.basic.secret)} },
          onEvent: (event) => events.push(event.type === 'store-failed' ? event.type + ':' + event.operation + ':' + event.error.message : event.type),
        });
        const response = await client.fetch('/whoami');
        await client.close();
        console.log(JSON.stringify({ status: response.status, events }));
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', join(scratch, 'register.mjs'), '--input-type=module', '-e', program]);
      const { status, events } = JSON.parse(stdout) as { status: number; events: string[] };
      assert.equal(status, 200);
      assert.ok(events.includes('store-failed:get:chunk missing'), events.join(', '));
      assert.equal(server.tokenRequests.length, 1);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  test('after a store failure a client says so once it answers again', async () => {
    const store = observed();
    const { clients, events } = fleet(1, store, server.clients.shortLived, { tokenStoreTimeout: 100 });
    store.fault = 'reject';
    await clients[0]!.fetch('/whoami');
    store.fault = 'none';
    // The 3 s token is renewed after the 2 s pause: through the store again.
    for (const started = Date.now(); Date.now() - started < 3_500; await sleep(50)) await clients[0]!.fetch('/whoami');
    assert.equal(ofType(events[0]!, 'store-resumed').length, 1);
  });
});

test('a lock the store takes only after its call timed out is released, so no one waits a lease for it', async () => {
  /** Takes the first lock 300 ms late: after the client has gone on without the store. */
  class LateLockStore extends MemoryTokenStore {
    #late = true;
    override async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
      if (this.#late) {
        this.#late = false;
        await sleep(300);
      }
      return super.setIfAbsent(key, value, ttlMs);
    }
  }
  const store = new ObservedStore(new LateLockStore());
  const [first] = fleet(1, store, server.clients.basic, { tokenStoreTimeout: 100, timeout: 10_000 }).clients;
  assert.equal((await first!.fetch('/whoami')).status, 200);
  await sleep(400);
  const [second] = fleet(1, store, server.clients.basic, { timeout: 10_000 }).clients;
  const started = Date.now();
  assert.equal((await second!.fetch('/whoami')).status, 200);
  assert.ok(Date.now() - started < 2_000, `the second client waited ${Date.now() - started} ms`);
  assert.ok(store.count('deleteIf') >= 1, 'the late lock was released');
});

describe('values the store must not be trusted with', () => {
  async function keyOf(store: ObservedStore): Promise<string> {
    const [client] = fleet(1, store).clients;
    await client!.fetch('/whoami');
    const set = store.calls.find((call) => call.operation === 'set')!;
    await store.deleteIf(set.key, set.value!);
    return set.key;
  }

  for (const [name, value, reason] of [
    ['garbage', 'not a sealed token', 'malformed'],
    ['a truncated value', 'v1.AAAAAAAAAAAAAAAA.AAAA', 'undecryptable'],
    ['a plain-text value where tokens are sealed', 'p1.eyJpZCI6IngifQ', 'undecryptable'],
  ] as const) {
    test(`${name} is ignored, reported, and replaced by the next token`, async () => {
      const store = observed();
      const key = await keyOf(store);
      await store.set(key, value, 60_000);
      server.reset();
      const { clients, events } = fleet(1, store);
      assert.equal((await clients[0]!.fetch('/whoami')).status, 200);
      assert.deepEqual(ofType(events[0]!, 'store-value-ignored'), [{ type: 'store-value-ignored', reason }]);
      assert.equal(server.tokenRequests.length, 1);
      assert.notEqual(await store.get(key), value);
    });
  }

  test("a value sealed for another identity, moved under this one's key, is not opened", async () => {
    const store = observed();
    const readKey = await keyOf(store);
    const [other] = fleet(1, store, server.clients.post).clients;
    await other!.fetch('/whoami');
    const foreign = store.calls.filter((call) => call.operation === 'set').at(-1)!;
    await store.set(readKey, foreign.value!, 60_000);
    const { clients, events } = fleet(1, store);
    assert.equal((await clients[0]!.fetch('/whoami')).status, 200);
    assert.deepEqual(ofType(events[0]!, 'store-value-ignored'), [{ type: 'store-value-ignored', reason: 'undecryptable' }]);
  });

  test('unencrypted values (an explicit choice) are still checked against the identity', async () => {
    const store = new ObservedStore(new MemoryTokenStore({ unencrypted: true }));
    const [first] = fleet(1, store).clients;
    await first!.fetch('/whoami');
    const set = store.calls.find((call) => call.operation === 'set')!;
    assert.match(set.value!, /^p1\./);
    const [other] = fleet(1, store, server.clients.post).clients;
    await store.deleteIf(set.key, set.value!);
    await other!.fetch('/whoami');
    const foreign = store.calls.filter((call) => call.operation === 'set').at(-1)!;
    await store.set(set.key, foreign.value!, 60_000);
    const { clients, events } = fleet(1, store);
    assert.equal((await clients[0]!.fetch('/whoami')).status, 200);
    assert.deepEqual(ofType(events[0]!, 'store-value-ignored'), [{ type: 'store-value-ignored', reason: 'foreign' }]);
  });
});

describe('store configuration', () => {
  test('a store needs the client id and token endpoint that name its token: a provider alone could be any API\'s', () => {
    const providerOnly = { baseUrl: server.apiUrl, clientCredentialsAuthCredentials: { oAuthTokenProvider: () => ({ accessToken: 'x' }) } };
    assert.throws(() => new Client({ ...providerOnly, tokenStore: new MemoryTokenStore({ unencrypted: true }) }), (error: unknown) => error instanceof ConfigurationError && /oAuthClientId and tokenUrl/.test(error.message));
  });

  test('a client with no secret to derive the sealing key from needs an encryptionKey or unencrypted: true', () => {
    const assertion = async () => server.signClientAssertion();
    const configuration = { baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: server.clients.assertion.id, oAuthClientAssertion: assertion } };
    assert.throws(() => new Client({ ...configuration, tokenStore: new MemoryTokenStore() }), (error: unknown) => error instanceof ConfigurationError && /encryptionKey/.test(error.message));
    assert.ok(new Client({ ...configuration, tokenStore: new MemoryTokenStore({ encryptionKey: new Uint8Array(32) }) }));
    assert.ok(new Client({ ...configuration, tokenStore: new MemoryTokenStore({ unencrypted: true }) }));
  });

  test('bad store options are ConfigurationErrors that say what to give', () => {
    assert.throws(() => new MemoryTokenStore({ encryptionKey: 'short' }), ConfigurationError);
    assert.throws(() => new MemoryTokenStore({ encryptionKey: 'a key of at least sixteen bytes', unencrypted: true }), ConfigurationError);
    const base = { tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret' } };
    assert.throws(() => new Client({ ...base, tokenStore: {} as never }), /lacks get, set, setIfAbsent, expireIf, deleteIf/);
    assert.throws(() => new Client({ ...base, tokenStore: new MemoryTokenStore(), tokenStoreTimeout: 0 }), ConfigurationError);
    assert.throws(() => new Client({ ...base, tokenStoreTimeout: 100 }), /no tokenStore/);
  });
});
