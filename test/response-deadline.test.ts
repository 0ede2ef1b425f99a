// The API-request timeout: enforced by undici's own headers timeout where the fetch honours a dispatcher
// (Node's), by an AbortSignal elsewhere; either way the request is really ended, not just abandoned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { Client } from 'oauth-ccg';
import { responseDeadline, type DeadlineInit } from '../src/transport/response-deadline.ts';

/** `/fast` answers at once; `/slow` never answers; `/stall` sends its headers and a first chunk, then nothing. Records when the client closes a connection. */
interface HangingApi {
  url: string;
  closedConnections: number;
  server: Server;
}

let api: HangingApi;
before(async () => {
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/stall') res.writeHead(200).write('first chunk');
    else if (req.url !== '/slow') res.end('ok');
  });
  api = { url: '', closedConnections: 0, server };
  server.on('connection', (socket: Socket) => socket.on('close', () => (api.closedConnections += 1)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  api.server.closeAllConnections();
  api.server.close();
});

/** A client that already holds a token, so these tests involve no token endpoint. */
function clientWith(options: { timeout: number; fetch?: typeof fetch }): Client {
  return new Client({
    baseUrl: api.url,
    tokenUrl: 'http://127.0.0.1:1/token',
    ...options,
    clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret', oAuthToken: { accessToken: 'stored', expiresIn: 600 } },
  });
}

/** Records the init of every request, then hands it to `send` (by default Node's fetch, unchanged). */
function recordingFetch(send: (input: string | URL | Request, init?: RequestInit) => Promise<Response> = (input, init) => fetch(input, init)) {
  const inits: RequestInit[] = [];
  const recording = (input: string | URL | Request, init?: RequestInit) => {
    inits.push(init ?? {});
    return send(input, init);
  };
  return { inits, fetch: recording as typeof fetch };
}

async function expectTimeoutThatClosesTheConnection(client: Client): Promise<void> {
  const closedBefore = api.closedConnections;
  await assert.rejects(client.fetch('/slow'), { name: 'TimeoutError', message: /No response within 200 ms/ });
  // The request was ended, not abandoned: its connection is gone.
  while (api.closedConnections === closedBefore) await new Promise((resolve) => setTimeout(resolve, 10));
}

test("on Node's fetch, once a response has come back, API requests carry no AbortSignal", async () => {
  const recorder = recordingFetch();
  const client = clientWith({ timeout: 5000, fetch: recorder.fetch });
  for (let i = 0; i < 3; i++) assert.equal((await client.fetch('/fast')).status, 200);
  const [first, ...later] = recorder.inits;
  assert.ok(first?.signal instanceof AbortSignal, 'the first request is timed by a signal while the dispatcher is unproven');
  assert.ok(first.dispatcher);
  for (const init of later) {
    assert.equal(init.signal, undefined);
    assert.ok(init.dispatcher);
  }
});

test("a hanging API request times out through undici's headers timeout and its connection is closed", { timeout: 10_000 }, async () => {
  const recorder = recordingFetch();
  const client = clientWith({ timeout: 200, fetch: recorder.fetch });
  await (await client.fetch('/fast')).text();
  await expectTimeoutThatClosesTheConnection(client);
  assert.equal(recorder.inits.at(-1)?.signal, undefined, 'no signal could have ended this request');
  assert.equal((await client.fetch('/fast')).status, 200, 'the client recovers');
});

test("on undici, a body that falls silent for the timeout errors and its connection is closed", { timeout: 10_000 }, async () => {
  const client = clientWith({ timeout: 200 });
  await (await client.fetch('/fast')).text();
  const response = await client.fetch('/stall');
  assert.equal(response.status, 200);
  const closedBefore = api.closedConnections;
  // undici's body timeout, here the client's timeout rather than undici's default of 300 s.
  await assert.rejects(response.text(), (error: Error) => (error.cause as { code?: string }).code === 'UND_ERR_BODY_TIMEOUT');
  while (api.closedConnections === closedBefore) await new Promise((resolve) => setTimeout(resolve, 10));
});

test('where the fetch ignores the dispatcher, a signal times the request out and its connection is closed', { timeout: 10_000 }, async () => {
  // Another runtime's fetch: it knows nothing of `dispatcher`.
  const recorder = recordingFetch((input, init) => {
    const { dispatcher: _ignored, ...standard } = init ?? {};
    return fetch(input, standard);
  });
  const client = clientWith({ timeout: 200, fetch: recorder.fetch });
  await (await client.fetch('/fast')).text();
  await expectTimeoutThatClosesTheConnection(client);
  const [, ...later] = recorder.inits;
  assert.ok(later.length > 0);
  for (const init of later) {
    assert.ok(init.signal instanceof AbortSignal);
    assert.equal(init.dispatcher, undefined, 'a fetch that ignored the dispatcher is not offered it again');
  }
});

test("the caller's signal still ends a request timed by undici", { timeout: 10_000 }, async () => {
  const client = clientWith({ timeout: 60_000 });
  await (await client.fetch('/fast')).text();
  const caller = new AbortController();
  setTimeout(() => caller.abort(new Error('caller gave up')), 50);
  await assert.rejects(client.fetch('/slow', { signal: caller.signal }), /caller gave up/);
});

test("a caller's own dispatcher is used, and the timeout still applies", { timeout: 10_000 }, async () => {
  const client = clientWith({ timeout: 200 });
  await (await client.fetch('/fast')).text();
  let dispatched = 0;
  const global = (globalThis as Record<symbol, { dispatch(options: unknown, handler: unknown): boolean }>)[Symbol.for('undici.globalDispatcher.1')]!;
  const own = { dispatch: (options: unknown, handler: unknown) => (dispatched++, global.dispatch(options, handler)) };
  assert.equal((await client.fetch('/fast', { dispatcher: own } as RequestInit)).status, 200);
  await assert.rejects(client.fetch('/slow', { dispatcher: own } as RequestInit), { name: 'TimeoutError' });
  assert.equal(dispatched, 2);
});

test('the deadline learns from the first response whether its dispatcher is called', async () => {
  const sent: DeadlineInit[] = [];
  const ignoresDispatcher = (init: DeadlineInit) => (sent.push(init), Promise.resolve(new Response('ok')));
  const withDeadline = responseDeadline(1000);
  for (let i = 0; i < 3; i++) await withDeadline({}, ignoresDispatcher);
  assert.deepEqual(
    sent.map((init) => [init.signal instanceof AbortSignal, init.dispatcher !== undefined]),
    [
      [true, true],
      [true, false],
      [true, false],
    ],
  );
});

test('a request that fails before reaching the dispatcher teaches the deadline nothing', async () => {
  const sent: DeadlineInit[] = [];
  const withDeadline = responseDeadline(1000);
  await assert.rejects(withDeadline({}, (init) => (sent.push(init), Promise.reject(new TypeError('fetch failed')))), /fetch failed/);
  await withDeadline({}, (init) => (sent.push(init), Promise.resolve(new Response('ok'))));
  assert.deepEqual(
    sent.map((init) => init.dispatcher !== undefined),
    [true, true],
  );
});

test('a send that throws synchronously is a rejection, not a throw, before and after the dispatcher is proven', async () => {
  const withDeadline = responseDeadline(1000);
  const throwing = (): Promise<Response> => {
    throw new TypeError('bad init');
  };
  const settle = (attempt: () => Promise<Response>) => {
    let pending: Promise<Response> | undefined;
    assert.doesNotThrow(() => void (pending = attempt()));
    return assert.rejects(pending!, /bad init/);
  };
  await settle(() => withDeadline({}, throwing));
  // A real response through Node's fetch proves the dispatcher; the cheaper path then carries requests.
  await (await withDeadline({}, (init) => fetch(`${api.url}/fast`, init as RequestInit))).text();
  await settle(() => withDeadline({}, throwing));
});
