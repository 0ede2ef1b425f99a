// oauth-ccg/node's mtlsFetch against the test authorization server's https endpoints, which request
// client certificates: it presents its certificate on every connection, for the token endpoint and the API,
// whatever dispatcher a caller passes, and an API request through it still times out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { Client, ConfigurationError } from 'oauth-ccg';
import { mtlsFetch } from 'oauth-ccg/node';
import { startAuthorizationServer, type AuthorizationServer } from './support/authorization-server.ts';

let server: AuthorizationServer;
before(async () => {
  server = await startAuthorizationServer();
});
after(() => server.close());

/** mtlsFetch with the CA-signed client certificate, trusting the test CA. */
const clientCertificateFetch = () => mtlsFetch({ cert: server.certificates.client.cert, key: server.certificates.client.key, ca: server.certificates.ca });

/** The base64 body of a PEM's first lines: what must never appear in a message or an inspection. */
const keyMaterial = (pem: string) => pem.split('\n')[1]!;

test('mtlsFetch refuses a missing, non-PEM or mismatched certificate or key, and a non-PEM ca, without echoing the key', () => {
  const { client, selfSigned, ca } = server.certificates;
  const refusals: [string, unknown, RegExp][] = [
    ['no options', undefined, /`cert`/],
    ['no cert', { key: client.key }, /needs `cert`/],
    ['no key', { cert: client.cert }, /needs `key`/],
    ['a key that is not PEM', { cert: client.cert, key: 'not a key' }, /needs `key`/],
    ['a certificate that is not PEM', { cert: client.key, key: client.key }, /needs `cert`/],
    ['a PEM certificate that does not parse', { cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', key: client.key }, /`cert` is not a PEM certificate/],
    ['a PEM key that does not parse', { cert: client.cert, key: client.key.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA') }, /`key` could not be read/],
    ['the key of another certificate', { cert: client.cert, key: selfSigned.key }, /`key` is not the private key of `cert`/],
    ['a ca that is not PEM', { cert: client.cert, key: client.key, ca: [ca, 'nonsense'] }, /`ca` is not a PEM certificate/],
  ];
  for (const [name, options, message] of refusals) {
    assert.throws(() => mtlsFetch(options as Parameters<typeof mtlsFetch>[0]), (error: unknown) => {
      assert.ok(error instanceof ConfigurationError, name);
      assert.match(error.message, message, name);
      for (const key of [client.key, selfSigned.key]) assert.ok(!error.message.includes(keyMaterial(key)), `${name}: the key is not echoed`);
      return true;
    });
  }
});

test('the fetch it returns shows nothing of the key in inspect or JSON', () => {
  const fetchWithCertificate = clientCertificateFetch();
  const shown = [inspect(fetchWithCertificate, { showHidden: true, depth: Infinity }), String(JSON.stringify({ fetch: fetchWithCertificate }))];
  for (const text of shown) assert.ok(!text.includes(keyMaterial(server.certificates.client.key)), text);
});

test('it presents its certificate at the mTLS token endpoint (tls_client_auth) and at the API, which accepts the bound token', async () => {
  server.reset();
  const { id, certificate } = server.clients.tlsClientAuth;
  const fetchWithCertificate = clientCertificateFetch();
  const response = await fetchWithCertificate(server.mtls.tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, scope: 'read write' }) });
  assert.equal(response.status, 200);
  const { access_token: token } = await response.json() as { access_token: string };
  assert.equal((await server.describeToken(token))?.certificateThumbprint, certificate.thumbprint);

  const api = await fetchWithCertificate(`${server.mtls.apiUrl}/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.deepEqual([api.status, await api.json()], [200, { clientId: id, scope: 'read write' }]);
  assert.equal(server.apiRequests[0]?.clientCertificateThumbprint, certificate.thumbprint);
  // The proof that the check can fail: the same token without the certificate.
  const withoutCertificate = await fetch(`${server.apiUrl}/whoami`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(withoutCertificate.status, 401);
});

test('an encrypted key needs its passphrase, and then works', async () => {
  server.reset();
  const { cert, key, thumbprint } = server.certificates.client;
  const encrypted = createPrivateKey(key).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'the passphrase' }) as string;
  assert.throws(() => mtlsFetch({ cert, key: encrypted }), { name: 'ConfigurationError', message: /needs `passphrase`/ });
  assert.throws(() => mtlsFetch({ cert, key: encrypted, passphrase: 'wrong' }), { name: 'ConfigurationError' });
  const fetchWithCertificate = mtlsFetch({ cert, key: encrypted, passphrase: 'the passphrase', ca: server.certificates.ca });
  await (await fetchWithCertificate(`${server.mtls.apiUrl}/whoami`)).arrayBuffer();
  assert.deepEqual(server.apiRequests.map((record) => record.clientCertificateThumbprint), [thumbprint]);
});

test("as a Client's fetch it carries the certificate to the token endpoint and to the API", async () => {
  server.reset();
  const { id, secret } = server.clients.basic;
  const client = new Client({
    baseUrl: server.mtls.apiUrl,
    tokenUrl: server.mtls.tokenUrl,
    fetch: clientCertificateFetch(),
    clientCredentialsAuthCredentials: { oAuthClientId: id, oAuthClientSecret: secret },
  });
  const response = await client.fetch('whoami');
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  const thumbprint = server.certificates.client.thumbprint;
  assert.deepEqual(server.tokenRequests.map((record) => [record.mtls, record.clientCertificate?.thumbprint, record.status]), [[true, thumbprint, 200]]);
  assert.deepEqual(server.apiRequests.map((record) => [record.mtls, record.clientCertificateThumbprint, record.outcome]), [[true, thumbprint, 'ok']]);
});

test('a dispatcher in the init is ignored: the request still goes through its own agent, with the certificate', async () => {
  server.reset();
  const fetchWithCertificate = clientCertificateFetch();
  const otherAgent = new Agent({ connect: { ca: server.certificates.ca } });
  try {
    // npm undici's Agent and the one @types/node describes are the same at run time, different to TypeScript.
    const response = await fetchWithCertificate(`${server.mtls.apiUrl}/whoami`, { dispatcher: otherAgent as unknown as RequestInit['dispatcher'] });
    assert.equal(response.status, 401, 'no token: refused, but the connection carried the certificate');
    await response.arrayBuffer();
  } finally {
    await otherAgent.close();
  }
  assert.deepEqual(server.apiRequests.map((record) => record.clientCertificateThumbprint), [server.certificates.client.thumbprint]);
});

test("a global Request with a body (as the Client passes a caller's Request on) reaches the server whole", async () => {
  const { id, secret } = server.clients.basic;
  const client = new Client({
    baseUrl: server.mtls.apiUrl,
    tokenUrl: server.mtls.tokenUrl,
    fetch: clientCertificateFetch(),
    clientCredentialsAuthCredentials: { oAuthClientId: id, oAuthClientSecret: secret },
  });
  const response = await client.fetch(new Request(`${server.mtls.apiUrl}/echo`, { method: 'POST', body: 'the body', headers: { 'content-type': 'text/plain' } }));
  assert.deepEqual([response.status, await response.text()], [200, 'the body']);
});

test("an API request through it still honours the client's timeout", async (t) => {
  // An https API that requests a client certificate, records it, and never answers.
  const presented: (string | undefined)[] = [];
  const hanging: Server = createHttpsServer({ cert: server.certificates.server.cert, key: server.certificates.server.key, requestCert: true, rejectUnauthorized: false }, (req) => {
    presented.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN));
  });
  hanging.listen(0, '127.0.0.1');
  await once(hanging, 'listening');
  t.after(() => {
    hanging.closeAllConnections();
    hanging.close();
  });
  const client = new Client({
    baseUrl: `https://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
    tokenUrl: server.mtls.tokenUrl,
    timeout: 200,
    fetch: clientCertificateFetch(),
    clientCredentialsAuthCredentials: { oAuthClientId: 'id', oAuthClientSecret: 'secret', oAuthToken: { accessToken: 'stored', expiresIn: 600 } },
  });
  for (let attempt = 0; attempt < 2; attempt++) {
    const started = performance.now();
    await assert.rejects(client.fetch('/slow'), { name: 'TimeoutError', message: /No response within 200 ms/ });
    assert.ok(performance.now() - started < 2000);
  }
  // Through its own agent, which trusts the test CA and presents the certificate: the global dispatcher would have done neither.
  assert.deepEqual(presented, ['oauth-ccg tls client', 'oauth-ccg tls client']);
});
