// The core tried as an attacker and as a careless caller would: a mutated URL, consumed bodies, listeners
// and providers that call back in, an API that refuses every token, an endpoint that refuses every
// request, a program that ends while a renewal is failing. Each test failed before the fix it guards.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  Client,
  ConfigurationError,
  OAuthProviderError,
  TimeoutError,
  type ClientConfiguration,
  type OAuthEvent,
} from 'oauth-ccg';
import { hang, json, startFaultServer, status, type FaultServer } from './support/fault-server.ts';
import { startRecorder, type Recorder } from './support/recorder.ts';

const credentials = { oAuthClientId: 'hardening-client', oAuthClientSecret: 'hardening-secret' };
const refusal = { 'www-authenticate': 'Bearer error="invalid_token"' };

/** A token endpoint (healthy unless told otherwise), an API, and a bystander that must hear nothing. */
async function withServers(
  api: Parameters<typeof startRecorder>[0],
  run: (servers: { tokens: FaultServer; api: Recorder; bystander: Recorder; client(options?: Partial<ClientConfiguration>): Client }) => Promise<void>,
): Promise<void> {
  const [tokens, apiServer, bystander] = await Promise.all([startFaultServer(), startRecorder(api), startRecorder()]);
  const client = (options: Partial<ClientConfiguration> = {}) =>
    new Client({ baseUrl: apiServer.url, tokenUrl: tokens.url, clientCredentialsAuthCredentials: credentials, ...options });
  try {
    await run({ tokens, api: apiServer, bystander, client });
  } finally {
    await Promise.all([tokens.close(), apiServer.close(), bystander.close()]);
  }
}

/**
 * Refuses the odd tokens the fault server issues (`tok-1`, `tok-3`, …) and accepts the even ones,
 * answering with the body it received: each new client's first token is refused, its replacement accepted.
 */
const refusingOddTokens = (req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    if (/^Bearer tok-\d*[13579]$/.test(req.headers.authorization ?? '')) res.writeHead(401, refusal).end('refused');
    else res.end(body);
  });
};

async function collectUnhandledRejections(run: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await run();
    await sleep(20); // an unhandled rejection is reported after a turn of the event loop
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}

describe('the token goes only where the caller meant it to', () => {
  test('a URL object changed after the call cannot redirect the request or its replay', async () => {
    const caller: { url?: URL; otherHost?: string } = {};
    await withServers(
      (req, res) => {
        if (req.headers.authorization === 'Bearer tok-1') {
          // The caller reuses its URL object for another host while the request is under way.
          caller.url!.host = caller.otherHost!;
          res.writeHead(401, refusal).end();
        } else res.end('ok');
      },
      async ({ api, bystander, client }) => {
        caller.otherHost = new URL(bystander.url).host;
        caller.url = new URL(`${api.url}/first`);
        const pending = client().fetch(caller.url);
        caller.url.pathname = '/changed-while-waiting-for-the-token';
        assert.equal((await pending).status, 200);
        assert.deepEqual(
          api.requests.map((request) => [request.path, request.authorization]),
          [
            ['/first', 'Bearer tok-1'],
            ['/first', 'Bearer tok-2'],
          ],
        );
        assert.equal(bystander.requests.length, 0, 'the other host received nothing');
      },
    );
  });

  test('the frozen configuration holds copies: a URL changed after construction changes nothing', () =>
    withServers(undefined, async ({ tokens, api, bystander }) => {
      const baseUrl = new URL(api.url);
      const client = new Client({ baseUrl, tokenUrl: new URL(tokens.url), clientCredentialsAuthCredentials: credentials });
      baseUrl.host = new URL(bystander.url).host;
      assert.equal(client.configuration.baseUrl, `${api.url}/`);
      assert.equal((await client.withConfiguration({ timeout: 5_000 }).fetch('/things')).status, 200);
      assert.equal(api.requests[0]?.authorization, 'Bearer tok-1');
      assert.equal(bystander.requests.length, 0);
    }));

  test('a 401 from another origin, reached by a redirect, says nothing about the token and costs none', async () => {
    const login = await startRecorder((_req, res) => res.writeHead(401).end('log in first'));
    try {
      await withServers(
        (_req, res) => res.writeHead(302, { location: `${login.url}/login` }).end(),
        async ({ tokens, client: makeClient }) => {
          const client = makeClient();
          for (let i = 0; i < 3; i++) assert.equal((await client.fetch('/moved')).status, 401);
          assert.equal(tokens.requests.length, 1, 'one token for all three calls');
          assert.deepEqual(login.requests.map((request) => request.authorization), [undefined, undefined, undefined], 'fetch dropped the token at the redirect');
        },
      );
    } finally {
      await login.close();
    }
  });
});

describe('request bodies and the 401 replay', () => {
  test('bodies that can be sent twice are replayed whole after a refused token', () =>
    withServers(refusingOddTokens, async ({ api, client: makeClient }) => {
      const form = new FormData();
      form.set('field', 'form value');
      const bodies: [string, NonNullable<RequestInit['body']>, RegExp][] = [
        ['string', 'text body', /^text body$/],
        ['URLSearchParams', new URLSearchParams({ a: '1' }), /^a=1$/],
        ['Blob', new Blob(['blob body']), /^blob body$/],
        ['ArrayBuffer', new TextEncoder().encode('buffer body').buffer as ArrayBuffer, /^buffer body$/],
        ['Uint8Array', new TextEncoder().encode('view body'), /^view body$/],
        ['FormData', form, /form value/],
      ];
      for (const [name, body, received] of bodies) {
        const client = makeClient();
        const response = await client.fetch('/store', { method: 'POST', body });
        assert.equal(response.status, 200, name);
        assert.match(await response.text(), received, `${name} replayed whole`);
      }
      assert.equal(api.requests.length, bodies.length * 2, 'each request sent twice: refused, then replayed');
    }));

  test('bodies read by their first send (async iterables, Node streams) are not replayed: the 401 is returned', () =>
    withServers(refusingOddTokens, async ({ tokens, api, client }) => {
      const bodies: [string, () => unknown][] = [
        [
          'async iterable',
          () =>
            (async function* () {
              yield new TextEncoder().encode('once');
            })(),
        ],
        ['Node Readable', () => Readable.from([Buffer.from('once')])],
      ];
      for (const [name, body] of bodies) {
        api.requests.length = 0;
        const tokensBefore = tokens.requests.length;
        const refused = client();
        const response = await refused.fetch('/store', { method: 'POST', body: body() as RequestInit['body'], duplex: 'half' } as RequestInit);
        assert.equal(response.status, 401, `${name}: returned as it is`);
        assert.equal(await response.text(), 'refused');
        assert.equal(api.requests.length, 1, `${name}: sent once, never replayed empty`);
        assert.equal(api.requests[0]?.body, 'once');
        assert.equal(tokens.requests.length, tokensBefore + 1);
        // The refused token was dropped all the same: the next call gets a new one.
        assert.equal((await refused.fetch('/store', { method: 'POST', body: 'next' })).status, 200, name);
      }
    }));

  test('a 401 whose renewal fails has its body cancelled: no connection is left open', () =>
    withServers(
      (_req, res) => res.writeHead(401, refusal).end('refused '.repeat(250_000)),
      async ({ api }) => {
        for (let i = 0; i < 20; i++) {
          let calls = 0;
          const client = new Client({
            baseUrl: api.url,
            clientCredentialsAuthCredentials: {
              oAuthTokenProvider: () => {
                if (++calls === 1) return { accessToken: `provided-${i}`, expiresIn: 600 };
                throw new Error('the token store is down');
              },
            },
          });
          await assert.rejects(client.fetch('/things'), /the token store is down/);
        }
        await sleep(100);
        assert.equal(api.requests.length, 20);
        // Each unread body would hold its connection, so that every call opened another: 20 in all.
        // Cancelled, they leave the keep-alive pool's few.
        assert.ok(api.openConnections < 5, `${api.openConnections} connections left open by 20 calls`);
      },
    ));
});

describe('an API that refuses every token', () => {
  test('20 calls make at most 3 token requests, and the cool-down is reported with a hint', () =>
    withServers(
      (_req, res) => res.writeHead(401, refusal).end(),
      async ({ tokens, client: makeClient }) => {
        const events: OAuthEvent[] = [];
        const client = makeClient({ onEvent: (event) => events.push(event) });
        for (let i = 0; i < 20; i++) assert.equal((await client.fetch('/things')).status, 401);
        assert.ok(tokens.requests.length <= 3, `${tokens.requests.length} token requests`);
        const cooling = events.filter((event) => event.type === 'token-rejected-repeatedly');
        assert.equal(cooling.length, 1);
        assert.deepEqual(cooling[0], { type: 'token-rejected-repeatedly', retryInMs: 1_000 });

        // After the cool-down one more token is tried, and refused, and the next cool-down is longer.
        await sleep(1_050);
        const before = tokens.requests.length;
        assert.equal((await client.fetch('/things')).status, 401);
        assert.equal(tokens.requests.length, before + 1);
        assert.equal((await client.fetch('/things')).status, 401);
        assert.equal(tokens.requests.length, before + 1);
        assert.deepEqual(events.filter((event) => event.type === 'token-rejected-repeatedly').at(-1), { type: 'token-rejected-repeatedly', retryInMs: 2_000 });
      },
    ));

  test('withConfiguration never hands on a token the API refused', () =>
    withServers(refusingOddTokens, async ({ api, client: makeClient }) => {
      const client = makeClient();
      const streamed = new Blob(['x']).stream();
      assert.equal((await client.fetch('/store', { method: 'POST', body: streamed, duplex: 'half' } as RequestInit)).status, 401);
      assert.equal((await client.withConfiguration({ timeout: 5_000 }).fetch('/store', { method: 'POST', body: 'y' })).status, 200);
      assert.deepEqual(
        api.requests.map((request) => request.authorization),
        ['Bearer tok-1', 'Bearer tok-2'],
      );
    }));
});

describe('an endpoint that refuses every request', () => {
  test('after a permanent failure, calls fail at once with the same error during a growing cool-down', () =>
    withServers(undefined, async ({ tokens, api, client: makeClient }) => {
      const invalidClient = () => json(401, { error: 'invalid_client' });
      tokens.respondWith(...Array.from({ length: 10 }, invalidClient));
      const client = makeClient();
      const first = await client.fetch('/things').catch((error: unknown) => error);
      assert.ok(first instanceof OAuthProviderError);
      for (let i = 0; i < 100; i++) assert.equal(await client.fetch('/things').catch((error: unknown) => error), first);
      assert.equal(tokens.requests.length, 1, '100 calls in the cool-down made no token request');

      await sleep(1_050);
      await assert.rejects(client.fetch('/things'), OAuthProviderError);
      assert.equal(tokens.requests.length, 2, 'the first call after the cool-down tries again');
      await sleep(1_050);
      await assert.rejects(client.fetch('/things'), OAuthProviderError);
      assert.equal(tokens.requests.length, 2, 'the second cool-down is longer (2 s)');

      // New credentials are a new client, which starts clean.
      tokens.respondWith(); // healthy from the next request on
      tokens.requests.length = 0;
      while (tokens.pending > 0) await makeClient().clientCredentialsAuthManager.fetchToken().catch(() => {});
      const fixed = client.withConfiguration({ clientCredentialsAuthCredentials: { oAuthClientSecret: 'the-right-secret' } });
      assert.equal((await fixed.fetch('/things')).status, 200);
      assert.equal(api.requests.length, 1);
    }));

  test('transient failures are not cooled down: the next call tries again at once', () =>
    withServers(undefined, async ({ tokens, client: makeClient }) => {
      tokens.respondWith(status(503), status(503));
      const client = makeClient({ tokenRequestAttempts: 1 });
      await assert.rejects(client.fetch('/things'));
      await assert.rejects(client.fetch('/things'));
      assert.equal((await client.fetch('/things')).status, 200);
      assert.equal(tokens.requests.length, 3);
    }));
});

describe('fetchToken parameters', () => {
  test('the same parameters in another order are the same request, shared while it runs', () =>
    withServers(undefined, async ({ tokens, client }) => {
      const manager = client().clientCredentialsAuthManager;
      const [first, second] = await Promise.all([
        manager.fetchToken({ audience: 'a', resource: ['https://r.example/1', 'https://r.example/2'] }),
        manager.fetchToken({ resource: ['https://r.example/1', 'https://r.example/2'], audience: 'a' }),
      ]);
      assert.equal(first.accessToken, second.accessToken);
      assert.equal(tokens.requests.length, 1);
      assert.equal(tokens.requests[0]?.body, 'grant_type=client_credentials&audience=a&resource=https%3A%2F%2Fr.example%2F1&resource=https%3A%2F%2Fr.example%2F2');
    }));

  test('a parameter that is not a string or an array of strings is a ConfigurationError', async () => {
    const manager = new Client({ tokenUrl: 'https://auth.example.com/token', clientCredentialsAuthCredentials: credentials }).clientCredentialsAuthManager;
    for (const params of [{ resource: 5 }, { resource: [1] }, { resource: null }, null]) {
      await assert.rejects(manager.fetchToken(params as never), ConfigurationError, JSON.stringify(params));
    }
  });
});

describe('callbacks that misbehave', () => {
  test('an async onEvent listener that rejects is contained, never an unhandled rejection', () =>
    withServers(undefined, async ({ client: makeClient }) => {
      let calls = 0;
      const unhandled = await collectUnhandledRejections(async () => {
        const client = makeClient({
          onEvent: async () => {
            calls++;
            throw new Error('the log shipper is down');
          },
        });
        assert.equal((await client.fetch('/things')).status, 200);
      });
      assert.ok(calls > 0);
      assert.deepEqual(unhandled, []);
    }));

  test('a listener that calls getToken() in reply to an event does not recurse', () =>
    withServers(undefined, async ({ tokens, client: makeClient }) => {
      let waits = 0;
      const client: Client = makeClient({
        onEvent: (event) => {
          if (event.type !== 'token-wait') return;
          waits++;
          void client.clientCredentialsAuthManager.getToken();
        },
      });
      assert.equal((await client.fetch('/things')).status, 200);
      assert.equal(waits, 1, 'the listener saw the one wait, not the ones its own call caused');
      assert.equal(tokens.requests.length, 1);
    }));

  test('a provider that calls getToken() gets a ConfigurationError at once, or a TimeoutError when it awaits first', async () => {
    let calls = 0;
    const synchronous = new Client({
      baseUrl: 'https://api.example.com',
      clientCredentialsAuthCredentials: { oAuthTokenProvider: (_last, manager) => (calls++, manager.getToken()) },
    });
    await assert.rejects(synchronous.fetch('/things'), (error: unknown) => error instanceof ConfigurationError && /call(ed)? fetchToken\(\)|Call fetchToken\(\)/.test(error.message));
    assert.equal(calls, 1);

    const afterAwait = new Client({
      baseUrl: 'https://api.example.com',
      tokenProviderTimeout: 200,
      clientCredentialsAuthCredentials: {
        oAuthTokenProvider: async (_last, manager) => {
          calls++;
          await sleep(1);
          return manager.getToken();
        },
      },
    });
    await assert.rejects(afterAwait.fetch('/things'), (error: unknown) => error instanceof TimeoutError && /waits for itself/.test(error.message));
    assert.equal(calls, 2);
  });
});

describe('the process ends when its work does', () => {
  const child = promisify(execFile);
  const run = (mode: 'foreground' | 'background', tokens: FaultServer, api: Recorder, timeout: number) =>
    child(process.execPath, ['--import', 'tsx', 'test/support/background-renewal.ts', mode, tokens.url, api.url, String(timeout)], { timeout: 30_000 });

  test('a failing background renewal neither retries nor waits once the program is done', async () => {
    const shortLived = () => json(200, { access_token: 'short-lived', token_type: 'Bearer', expires_in: 4 });
    for (const [name, failure, timeout] of [
      ['503 with Retry-After: 5', () => status(503, '', { 'retry-after': '5' }), 30_000],
      ['a hung endpoint', () => hang(), 1_000],
    ] as const) {
      await withServers(undefined, async ({ tokens, api }) => {
        tokens.respondWith(shortLived(), failure(), failure(), failure());
        const { stdout } = await run('background', tokens, api, timeout);
        assert.equal(stdout.trim(), '200', name);
        // The first token, then one renewal attempt that the exit cut short: no retry ran after the work was done.
        assert.equal(tokens.requests.length, 2, `${name}: ${tokens.requests.length} token requests`);
      });
    }
  });

  test('a caller who waits for a token keeps the process alive through the retry sleeps', () =>
    withServers(undefined, async ({ tokens, api }) => {
      tokens.respondWith(status(503, '', { 'retry-after': '1' }));
      const { stdout } = await run('foreground', tokens, api, 30_000);
      assert.equal(stdout.trim(), '200');
      assert.equal(tokens.requests.length, 2);
    }));
});
