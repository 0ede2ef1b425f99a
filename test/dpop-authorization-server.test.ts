// DPoP end to end against the real authorization server (oidc-provider with DPoP and nonces) and an API
// that verifies every proof: what they accept is the proof.
import { after, afterEach, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, type ClientConfiguration, type OAuthEvent } from 'oauth-ccg';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer();
});
after(() => server.close());
beforeEach(() => server.reset());
afterEach(() => {
  server.setDpopNonceRequired(false);
  server.setApiNonceRequired(false);
});

function dpopClient(options: Partial<ClientConfiguration> = {}): Client {
  const { id, secret } = server.clients.basic;
  return new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, dpop: true, ...options, clientCredentialsAuthCredentials: { oAuthClientId: id, oAuthClientSecret: secret } });
}

const outcomes = () => server.apiRequests.map((request) => request.outcome);

test('a cold burst of 500 calls with nonces required at both ends: 1 token, 1 nonce retry, 500 successes', async () => {
  server.setDpopNonceRequired(true);
  server.setApiNonceRequired(true);
  const retries: string[] = [];
  const client = dpopClient({ onEvent: (event) => void (event.type === 'dpop-nonce-retry' && retries.push(event.server)) });
  const responses = await Promise.all(Array.from({ length: 500 }, () => client.fetch('/whoami')));
  assert.ok(responses.every((response) => response.status === 200));
  assert.deepEqual(server.tokenRequests.map((request) => request.status), [400, 200], 'one nonce demand, met once');
  assert.equal(retries.filter((where) => where === 'token-endpoint').length, 1, 'the token endpoint retry is reported');
  assert.equal(retries.filter((where) => where === 'api').length, outcomes().filter((outcome) => outcome === 'use_dpop_nonce').length, 'each API nonce replay is reported');
  assert.equal(server.tokenRequests[1]?.tokenType, 'DPoP');
  const token = client.clientCredentialsAuthManager.token!;
  assert.equal(token.tokenType, 'DPoP');
  assert.equal((await server.describeToken(token.accessToken))?.dpopThumbprint, server.apiRequests.find((request) => request.outcome === 'ok')?.dpop?.jkt);
  assert.equal(outcomes().filter((outcome) => outcome === 'ok').length, 500);
  assert.ok(outcomes().filter((outcome) => outcome === 'use_dpop_nonce').length <= 500, 'at most one nonce replay per call');
});

test('a nonce rotated by the API mid-run: calls keep succeeding, with at most one replay each', async () => {
  server.setApiNonceRequired(true);
  const client = dpopClient();
  for (let round = 0; round < 5; round++) {
    server.reset();
    server.rotateApiNonce();
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch('/whoami')));
    assert.ok(responses.every((response) => response.status === 200), `round ${round}`);
    assert.ok(server.apiRequests.length <= 40, `round ${round}: ${server.apiRequests.length} requests for 20 calls`);
  }
  // Once the nonce is known, a call needs no replay.
  server.reset();
  assert.equal((await client.fetch('/whoami')).status, 200);
  assert.deepEqual(outcomes(), ['ok']);
});

test('a 401 storm on a revoked DPoP token: one new token, every call succeeds', async () => {
  const client = dpopClient();
  assert.equal((await client.fetch('/whoami')).status, 200);
  await server.revokeAllTokens();
  server.reset();
  const responses = await Promise.all(Array.from({ length: 100 }, () => client.fetch('/whoami')));
  assert.ok(responses.every((response) => response.status === 200));
  assert.equal(server.tokenRequests.length, 1);
});

test('a token bound to another key is refused at the API, and the client gets its own', async () => {
  const owner = dpopClient();
  await owner.fetch('/whoami');
  const stolen = owner.clientCredentialsAuthManager.token!;
  server.reset();
  const events: OAuthEvent[] = [];
  const thief = dpopClient({ onEvent: (event) => events.push(event) }).withConfiguration({
    clientCredentialsAuthCredentials: { oAuthToken: stolen },
  });
  assert.equal((await thief.fetch('/whoami')).status, 200);
  assert.deepEqual(outcomes(), ['key_mismatch', 'ok']);
  assert.equal(server.tokenRequests.length, 1);
  assert.notEqual(thief.clientCredentialsAuthManager.token?.accessToken, stolen.accessToken);
});

test('withConfiguration keeps a DPoP token only with the same key', async () => {
  const keyPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const client = dpopClient({ dpop: { keyPair } });
  await client.fetch('/whoami');
  await client.withConfiguration({ timeout: 5_000 }).fetch('/whoami');
  assert.equal(server.tokenRequests.length, 1, 'the same key pair: the token is kept');
  await dpopClient().withConfiguration({ timeout: 5_000 }).fetch('/whoami');
  const fresh = dpopClient();
  await fresh.fetch('/whoami');
  await fresh.withConfiguration({ timeout: 5_000 }).fetch('/whoami');
  assert.equal(server.tokenRequests.length, 4, 'dpop: true is a new key for each client: never kept');
  assert.ok(outcomes().every((outcome) => outcome === 'ok'));
});
