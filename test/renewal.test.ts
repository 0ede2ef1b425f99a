// Renewal ahead of expiry, against the real authorization server with a slow token endpoint and short tokens.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, Client, type OAuthEvent } from 'oauth-ccg';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer({ shortTokenTtlSeconds: 3 });
});
after(() => server.close());
beforeEach(() => {
  server.reset();
  server.setTokenEndpointDelay(0);
});

/** A short-lived-token client whose token requests fail while `tokenEndpoint.down` is set. */
function shortLivedClient(events: OAuthEvent[], tokenEndpoint = { down: false }): Client {
  return new Client({
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    tokenRequestAttempts: 1,
    clientCredentialsAuthCredentials: { oAuthClientId: server.clients.shortLived.id, oAuthClientSecret: server.clients.shortLived.secret },
    onEvent: (event) => events.push(event),
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (tokenEndpoint.down && url === server.tokenUrl) return new Response('maintenance', { status: 503 });
      return fetch(input, init);
    },
  });
}

type Outcome = number | Error;

/** Calls the API from `concurrency` loops until `until(outcomes)` says stop; returns every outcome in order. */
async function callContinuously(client: Client, concurrency: number, until: (outcomes: Outcome[]) => boolean): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!until(outcomes)) {
        outcomes.push(await client.fetch('/whoami').then((response) => response.status, (error: Error) => error));
        await sleep(20);
      }
    }),
  );
  return outcomes;
}

test('with a 300 ms token endpoint and 3 s tokens, no call after the first waits for a token', async () => {
  server.setTokenEndpointDelay(300);
  const events: OAuthEvent[] = [];
  const client = shortLivedClient(events);
  assert.equal((await client.fetch('/whoami')).status, 200);
  const waitsForFirstToken = events.filter((event) => event.type === 'token-wait').length;
  assert.equal(waitsForFirstToken, 1);

  const stopAt = Date.now() + 8_000;
  const outcomes = await callContinuously(client, 5, () => Date.now() >= stopAt);

  assert.ok(outcomes.length > 100, `only ${outcomes.length} calls were made`);
  assert.deepEqual(outcomes.filter((outcome) => outcome !== 200), []);
  assert.equal(events.filter((event) => event.type === 'token-wait').length, waitsForFirstToken, 'a call waited for a token request');
  const renewals = events.filter((event) => event.type === 'renewal-started').length;
  assert.ok(renewals >= 2, `expected at least two renewals in 8 s of 3 s tokens, saw ${renewals}`);
  // A renewal started by one of the last calls may still be under way: let it finish before counting.
  const tokensIssued = () => events.filter((event) => event.type === 'token-updated').length;
  for (let waited = 0; tokensIssued() < renewals + 1 && waited < 3_000; waited += 50) await sleep(50);
  assert.equal(tokensIssued(), renewals + 1, 'every renewal brought a new token');
  assert.equal(server.tokenRequests.length, renewals + 1, 'one token request per renewal');
  assert.ok(server.apiRequests.every((request) => request.outcome === 'ok'), 'the API never saw an expired token');
});

test('a failing renewal keeps serving the valid token, then fails closed at expiry, and recovers', async () => {
  const events: OAuthEvent[] = [];
  const tokenEndpoint = { down: false };
  const client = shortLivedClient(events, tokenEndpoint);
  assert.equal((await client.fetch('/whoami')).status, 200);
  tokenEndpoint.down = true;

  const stopAt = Date.now() + 10_000;
  const failedOrLate = (outcomes: Outcome[]) => outcomes.some((outcome) => outcome instanceof Error) || Date.now() >= stopAt;
  const outcomes = await callContinuously(client, 3, failedOrLate);
  const firstFailure = outcomes.findIndex((outcome) => outcome instanceof Error);

  assert.ok(firstFailure >= 0, 'calls went on succeeding past the token expiry');
  assert.ok(firstFailure > 0, 'calls failed while the token was still valid');
  assert.deepEqual(outcomes.slice(0, firstFailure).filter((outcome) => outcome !== 200), []);
  const failure = outcomes[firstFailure];
  assert.ok(failure instanceof ApiError && failure.statusCode === 503, `fails with the token error, got ${String(failure)}`);
  assert.ok(events.some((event) => event.type === 'renewal-failed'), 'the background renewal was tried');
  assert.ok(events.some((event) => event.type === 'token-failed'));
  assert.ok(
    server.apiRequests.every((request) => request.authorization?.startsWith('Bearer ') && request.outcome === 'ok'),
    'the API saw a request without a valid token',
  );

  tokenEndpoint.down = false;
  assert.equal((await client.fetch('/whoami')).status, 200);
});
