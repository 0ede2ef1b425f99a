// A misbehaving authorization server metadata endpoint (RFC 8414) for the fault matrix: the fault server,
// answering every path, with a good metadata document once its queued faults are used up.
import { json, startFaultServer, type Behaviour, type FaultServer } from './fault-server.ts';

/** A usable document: it names `issuer`, sends tokens to `tokenUrl`, and allows client_secret_basic; `fields` go over it. */
export const metadataDocument = (issuer: string, tokenUrl: string, fields: Record<string, unknown> = {}): Behaviour =>
  json(200, { issuer, token_endpoint: tokenUrl, token_endpoint_auth_methods_supported: ['client_secret_basic'], ...fields });

/** Its issuer is its own origin; after the queued faults (`respondWith`), each request gets a good document. */
export function startMetadataServer(tokenUrl: string): Promise<FaultServer> {
  return startFaultServer({ otherwise: (origin) => metadataDocument(origin, tokenUrl) });
}
