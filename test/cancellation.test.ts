// Timeouts and cancellation: a caller's AbortSignal ends only that caller's wait; API requests time out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'oauth-ccg';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';
import { startRecorder } from './support/recorder.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer();
});
after(() => server.close());

const credentials = () => ({ oAuthClientId: server.clients.basic.id, oAuthClientSecret: server.clients.basic.secret });

test('aborting one caller never aborts the token request the others wait on', async () => {
  server.reset();
  server.setTokenEndpointDelay(300);
  try {
    const client = new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: credentials() });
    const impatient = new AbortController();
    const calls = [client.fetch('/whoami', { signal: impatient.signal }), client.fetch('/whoami'), client.fetch('/whoami')];
    setTimeout(() => impatient.abort(new Error('caller gave up')), 50);
    const [aborted, ...patient] = await Promise.allSettled(calls);
    assert.equal(aborted?.status, 'rejected');
    assert.match(String((aborted as PromiseRejectedResult).reason), /caller gave up/);
    assert.deepEqual(patient.map((outcome) => outcome.status === 'fulfilled' && outcome.value.status), [200, 200]);
    assert.equal(server.tokenRequests.length, 1);
    assert.equal(server.apiRequests.length, 2, 'the aborted call sent nothing');
  } finally {
    server.setTokenEndpointDelay(0);
  }
});

test('an already-aborted signal rejects at once without a token request', async () => {
  server.reset();
  const client = new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, clientCredentialsAuthCredentials: credentials() });
  await assert.rejects(client.fetch('/whoami', { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(server.tokenRequests.length, 0);
});

test('an API request that hangs times out after the configured timeout', async () => {
  const hanging = await startRecorder(() => {});
  try {
    const client = new Client({
      baseUrl: hanging.url,
      tokenUrl: server.tokenUrl,
      timeout: 300,
      clientCredentialsAuthCredentials: { ...credentials(), oAuthToken: { accessToken: 'stored', expiresIn: 60 } },
    });
    await assert.rejects(client.fetch('/slow'), { name: 'TimeoutError' });
    assert.equal(hanging.requests.length, 1);
  } finally {
    await hanging.close();
  }
});
