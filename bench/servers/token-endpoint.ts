import type { IncomingMessage, RequestListener } from 'node:http';
import { now, sleep } from '../clock.ts';
import { JWT_BEARER, type ClientAssertionVerifier } from './client-assertion.ts';
import { proofFits } from './dpop-proof.ts';
import { readBody, sendJson } from './http-util.ts';
import type { ServerSettings, TokenRequestRecord } from './protocol.ts';
import type { TokenMint } from './tokens.ts';

export const TOKEN_PATH = '/token';

/** Fails the next N token requests with a chosen status. */
export class FailureBudget {
  remaining = 0;
  status = 503;

  /** The status to fail the current request with, or undefined to answer normally. */
  take(): number | undefined {
    if (this.remaining === 0) return undefined;
    this.remaining -= 1;
    return this.status;
  }
}

interface TokenEndpointDeps {
  mint: TokenMint;
  settings: ServerSettings;
  clientSecret: string;
  assertions: ClientAssertionVerifier;
  failures: FailureBudget;
  log: TokenRequestRecord[];
}

/**
 * A client_credentials token endpoint. It accepts client_secret_basic and client_secret_post, because the
 * libraries differ, and private_key_jwt; it logs every request under its client id so that requests from
 * one library's client are never counted against another's. A request with a DPoP proof gets a DPoP token.
 */
export function tokenEndpoint({ mint, settings, clientSecret, assertions, failures, log }: TokenEndpointDeps): RequestListener {
  return async (req, res) => {
    if (req.method !== 'POST' || req.url !== TOKEN_PATH) {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    const arrivedAt = now();
    const params = new URLSearchParams(await readBody(req));
    const client = await authenticate(req, params, clientSecret, assertions);
    const proof = req.headers.dpop as string | undefined;
    if (settings.tokenLatencyMs > 0) await sleep(settings.tokenLatencyMs);

    const failure = failures.take();
    if (failure !== undefined) {
      sendJson(res, failure, { error: 'temporarily_unavailable' });
    } else if (!client.authenticated) {
      sendJson(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="token"' });
    } else if (params.get('grant_type') !== 'client_credentials') {
      sendJson(res, 400, { error: 'unsupported_grant_type' });
    } else if (proof !== undefined && !proofFits(proof, { method: 'POST', htu: `http://${req.headers.host}${TOKEN_PATH}` })) {
      sendJson(res, 400, { error: 'invalid_dpop_proof' });
    } else {
      const lifetime = settings.tokenLifetimeSeconds;
      const tokenType = proof === undefined ? 'Bearer' : 'DPoP';
      const token = mint.issue(client.id, lifetime * 1000, tokenType);
      sendJson(res, 200, { access_token: token, token_type: tokenType, expires_in: lifetime }, { 'cache-control': 'no-store' });
    }
    log.push({ clientId: client.id, arrivedAt, answeredAt: now(), status: res.statusCode });
  };
}

/** The client id the request names, and whether its secret or assertion proves it. */
async function authenticate(req: IncomingMessage, params: URLSearchParams, clientSecret: string, assertions: ClientAssertionVerifier): Promise<{ id: string; authenticated: boolean }> {
  const assertion = params.get('client_assertion');
  if (params.get('client_assertion_type') === JWT_BEARER && assertion !== null) {
    const id = await assertions.clientId(assertion, `http://${req.headers.host}${TOKEN_PATH}`);
    return { id: id ?? params.get('client_id') ?? '', authenticated: id !== undefined };
  }
  const client = clientCredentials(req, params);
  return { id: client.id, authenticated: client.secret === clientSecret };
}

/** Client id and secret from the Basic header (RFC 6749 §2.3.1, form-encoded or not) or the body. */
function clientCredentials(req: IncomingMessage, params: URLSearchParams): { id: string; secret: string | null } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (basic === undefined) return { id: params.get('client_id') ?? '', secret: params.get('client_secret') };
  const decoded = Buffer.from(basic, 'base64').toString();
  const colon = decoded.indexOf(':');
  const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}
