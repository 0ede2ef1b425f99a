import type { RequestListener } from 'node:http';
import { sleep } from '../clock.ts';
import { sendJson } from './http-util.ts';
import type { CallRecord, ServerSettings } from './protocol.ts';
import type { TokenMint } from './tokens.ts';

const INVALID_TOKEN = { 'www-authenticate': 'Bearer error="invalid_token"' };

interface ProtectedApiDeps {
  mint: TokenMint;
  settings: ServerSettings;
  records: CallRecord[];
}

/**
 * A protected API that accepts only unexpired, unrevoked tokens from the bench token endpoint and
 * answers with a minimal order, which is valid JSON for the PayPal SDK's `getOrder` schema too.
 */
export function protectedApi({ mint, settings, records }: ProtectedApiDeps): RequestListener {
  return async (req, res) => {
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const claims = bearer === undefined ? undefined : mint.verify(bearer);
    if (settings.apiLatencyMs > 0) await sleep(settings.apiLatencyMs);

    const callId = req.url?.slice(req.url.lastIndexOf('/') + 1) ?? '';
    if (claims) sendJson(res, 200, { id: callId, status: 'CREATED' });
    else sendJson(res, 401, { error: 'invalid_token' }, INVALID_TOKEN);
    if (settings.recordCalls) records.push({ callId, tokenIssuedAt: claims?.issuedAt ?? NaN, status: res.statusCode });
  };
}
