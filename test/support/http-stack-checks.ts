// What the axios and undici adapter tests both check against the authorization server: the same client,
// and the same DPoP exchange seen by the API, whichever stack sent it.
import assert from 'node:assert/strict';
import { Client, type ClientConfiguration } from 'oauth-ccg';
import type { AuthorizationServer } from './authorization-server.ts';

/** A client of the server's basic client on its API, with `options` over those. */
export function basicClientOf(server: AuthorizationServer, options: Partial<ClientConfiguration> = {}): Client {
  const { id, secret } = server.clients.basic;
  return new Client({ baseUrl: server.apiUrl, tokenUrl: server.tokenUrl, ...options, clientCredentialsAuthCredentials: { oAuthClientId: id, oAuthClientSecret: secret } });
}

/**
 * Runs `calls` (a GET /whoami, then a POST /echo) while the API demands its DPoP nonce, then checks what
 * the API saw: the GET refused for the nonce and sent again with it, the POST right at once, all three with
 * the one DPoP token and a proof for that method, bound to the token.
 */
export async function checkDpopNonceAnsweredOnce(server: AuthorizationServer, calls: () => Promise<void>): Promise<void> {
  server.setApiNonceRequired(true);
  try {
    await calls();
  } finally {
    server.setApiNonceRequired(false);
  }
  const token = server.tokenRequests[0]?.accessToken;
  assert.equal(server.tokenRequests[0]?.tokenType, 'DPoP');
  assert.deepEqual(server.apiRequests.map(({ method, authorization, outcome, dpop }) => [method, authorization, outcome, dpop?.htm, dpop?.ath]), [
    ['GET', `DPoP ${token}`, 'use_dpop_nonce', 'GET', true],
    ['GET', `DPoP ${token}`, 'ok', 'GET', true],
    ['POST', `DPoP ${token}`, 'ok', 'POST', true],
  ]);
}
