// DPoP proofs (RFC 9449) at the bench's servers, checked for what they claim and not for their signature.
// The overhead scenario measures what a proof costs the client; an ES256 verification per call on the
// server, which shares the machine's cores with the client, would charge the client's figure with the
// server's work. So a proof is accepted when it is a `dpop+jwt` for this very request (`htm`, `htu`) and,
// at the API, for this very token (`ath`): what a client gets wrong when it reuses or misbuilds a proof,
// for microseconds per call. Signatures, key binding (`cnf.jkt`) and `jti` replay are checked by the
// integration tests against oidc-provider.
import { createHash } from 'node:crypto';

export interface ProofExpectation {
  method: string;
  /** The request's URL without query and fragment. */
  htu: string;
  /** At the API, the access token the proof must be bound to. */
  accessToken?: string;
}

/** Whether `proof` (the `DPoP` header) is a proof for the request described by `expected`. */
export function proofFits(proof: string | undefined, expected: ProofExpectation): boolean {
  const [header, payload, signature] = proof?.split('.') ?? [];
  if (header === undefined || payload === undefined || !signature) return false;
  try {
    const { typ, jwk } = decode(header);
    const claims = decode(payload);
    return (
      typ === 'dpop+jwt' &&
      typeof jwk === 'object' &&
      claims.htm === expected.method &&
      claims.htu === expected.htu &&
      typeof claims.jti === 'string' &&
      typeof claims.iat === 'number' &&
      claims.ath === (expected.accessToken === undefined ? undefined : sha256Base64Url(expected.accessToken))
    );
  } catch {
    return false;
  }
}

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
}

function sha256Base64Url(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
