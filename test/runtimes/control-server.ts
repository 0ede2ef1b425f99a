// The control side of the conformance world, plain node:http on 127.0.0.1 beside the authorization server:
// what a scenario running in another runtime cannot do for itself.
//   GET  /token-requests       how many requests oidc-provider's token endpoint has received
//   GET  /api-requests         how many requests the API has received
//   GET  /client-assertions    the client assertions it accepted, in order: [{ clientId, jti }]
//   POST /revoke               revokes every token issued so far (the API then answers 401 invalid_token)
//   POST /token/fail-next      the next request to /token gets a 503
//   POST /token                oidc-provider's token endpoint, unless a failure is due
//   GET  /dpop/token-requests?from=N   the token requests from the Nth on, as DPoP sees them: [{ status,
//                              tokenType, proofKey, proofNonce, boundTo }] (proofKey the proof's JWK thumbprint,
//                              boundTo the issued token's cnf.jkt while the server still knows the token)
//   GET  /dpop/api-requests?from=N     the API requests from the Nth on: [{ outcome, proofKey, proofNonce }]
//   POST /dpop/nonces/on, /off DPoP nonces demanded, or not, at the token endpoint and at the API alike
//   *    /silent/…             accepts the request and never answers
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthorizationServer } from '../support/authorization-server.ts';

export interface ControlServer {
  origin: string;
  close(): Promise<void>;
}

export async function startControlServer(authorizationServer: AuthorizationServer): Promise<ControlServer> {
  let failuresDue = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname: path, searchParams } = new URL(req.url ?? '/', 'http://control');
    const from = Number(searchParams.get('from') ?? 0);
    if (path.startsWith('/silent/')) return; // no answer, ever: the client's timeout must end it
    const route = `${req.method} ${path}`;
    switch (route) {
      case 'GET /token-requests':
        return json(res, 200, authorizationServer.tokenRequests.length);
      case 'GET /api-requests':
        return json(res, 200, authorizationServer.apiRequests.length);
      case 'GET /client-assertions':
        return json(res, 200, authorizationServer.tokenRequests.flatMap(({ clientId, clientAssertion, status }) =>
          clientAssertion !== undefined && status === 200 ? [{ clientId, jti: clientAssertion.claims.jti }] : []));
      case 'POST /revoke':
        await authorizationServer.revokeAllTokens();
        return json(res, 200, 'revoked');
      case 'GET /dpop/token-requests':
        return json(res, 200, await Promise.all(authorizationServer.tokenRequests.slice(from).map(async ({ status, tokenType, dpop, accessToken }) => ({
          status,
          tokenType,
          proofKey: dpop?.jkt,
          proofNonce: dpop?.nonce,
          boundTo: accessToken === undefined ? undefined : (await authorizationServer.describeToken(accessToken))?.dpopThumbprint,
        }))));
      case 'GET /dpop/api-requests':
        return json(res, 200, authorizationServer.apiRequests.slice(from).map(({ outcome, dpop }) => ({ outcome, proofKey: dpop?.jkt, proofNonce: dpop?.nonce })));
      case 'POST /dpop/nonces/on':
      case 'POST /dpop/nonces/off': {
        const required = path.endsWith('/on');
        authorizationServer.setDpopNonceRequired(required);
        authorizationServer.setApiNonceRequired(required);
        return json(res, 200, required);
      }
      case 'POST /token/fail-next':
        failuresDue += 1;
        return json(res, 200, failuresDue);
      case 'POST /token':
        if (failuresDue > 0) {
          failuresDue -= 1;
          // Not an RFC 6749 error body (that would be an OAuthProviderError): an outage page.
          return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
        }
        return forwardToTokenEndpoint(req, res);
      default:
        return json(res, 404, route);
    }
  }

  async function forwardToTokenEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(['authorization', 'content-type'].flatMap((name) => (req.headers[name] ? [[name, String(req.headers[name])]] : [])));
    const answer = await fetch(authorizationServer.tokenUrl, { method: 'POST', headers, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => json(res, 500, String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
