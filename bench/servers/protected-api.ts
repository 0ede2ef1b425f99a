import type { IncomingMessage, RequestListener } from 'node:http';
import { sleep } from '../clock.ts';
import { proofFits } from './dpop-proof.ts';
import { sendJson } from './http-util.ts';
import type { CallRecord, ServerSettings } from './protocol.ts';
import type { TokenClaims, TokenMint } from './tokens.ts';

const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };

interface ProtectedApiDeps {
  mint: TokenMint;
  settings: ServerSettings;
  records: CallRecord[];
}

/**
 * A protected API that accepts only unexpired, unrevoked tokens from the bench token endpoint, each in
 * its own scheme (a DPoP token with a proof for the request, see dpop-proof.ts), and answers with a
 * minimal order, which is valid JSON for the PayPal SDK's `getOrder` schema too.
 */
export function protectedApi({ mint, settings, records }: ProtectedApiDeps): RequestListener {
  return async (req, res) => {
    const claims = acceptedToken(req, mint);
    if (settings.apiLatencyMs > 0) await sleep(settings.apiLatencyMs);

    const callId = req.url?.slice(req.url.lastIndexOf('/') + 1) ?? '';
    if (claims) sendJson(res, 200, { id: callId, status: 'CREATED' });
    else sendJson(res, 401, { error: 'invalid_token' }, INVALID_TOKEN);
    if (settings.recordCalls) records.push({ callId, tokenIssuedAt: claims?.issuedAt ?? NaN, status: res.statusCode });
  };
}

/** The claims of the request's token if it is valid and presented in its own scheme, otherwise undefined. */
function acceptedToken(req: IncomingMessage, mint: TokenMint): TokenClaims | undefined {
  const [, scheme = '', token] = /^(Bearer|DPoP)\s+(\S+)$/i.exec(req.headers.authorization ?? '') ?? [];
  const claims = token === undefined ? undefined : mint.verify(token);
  if (claims?.tokenType.toLowerCase() !== scheme.toLowerCase()) return undefined;
  if (claims.tokenType === 'Bearer') return claims;
  const htu = `http://${req.headers.host}${req.url?.split('?')[0]}`;
  return proofFits(req.headers.dpop as string | undefined, { method: req.method ?? '', htu, accessToken: token }) ? claims : undefined;
}
