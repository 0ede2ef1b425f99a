// How a resource server checks a DPoP proof (RFC 9449 §4.3, with `ath` from §7), written out with jose apart
// from the library under test, and how the harness decodes a proof for its records.
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, jwtVerify, type JWK } from 'jose';

/**
 * The proof algorithms the harness accepts, at the token endpoint and at the API alike: every asymmetric JWS
 * algorithm the library may be configured with (oidc-provider's own default is ES256 and EdDSA only).
 */
export const DPOP_ALGORITHMS: readonly string[] = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA', 'Ed25519'];

/** How far a proof's `iat` may be from the API's clock, either way (RFC 9449 §11.1 leaves the window to the server). */
export const PROOF_IAT_TOLERANCE_SECONDS = 60;

/** The members of a JWK that only a private (or secret) key has: a proof's `jwk` must carry none (§4.2). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What a proof says, read without verifying it; fields it lacks, or that have the wrong type, are absent. */
export interface DecodedDpopProof {
  /** The RFC 7638 thumbprint of the header's `jwk`, when it is a JWK a thumbprint can be taken of. */
  jkt?: string;
  htm?: string;
  htu?: string;
  ath?: string;
  nonce?: string;
  jti?: string;
  iat?: number;
}

/** Decodes a proof for the records; a proof that is not a JWT decodes to `{}`. Its signature is never kept. */
export async function decodeDpopProof(proof: string): Promise<DecodedDpopProof> {
  try {
    const { jwk } = decodeProtectedHeader(proof);
    const { htm, htu, ath, nonce, jti, iat } = decodeJwt(proof);
    const jkt = jwk === undefined ? undefined : await calculateJwkThumbprint(jwk).catch(() => undefined);
    return Object.fromEntries(Object.entries({
      jkt,
      htm: stringOrUndefined(htm),
      htu: stringOrUndefined(htu),
      ath: stringOrUndefined(ath),
      nonce: stringOrUndefined(nonce),
      jti: stringOrUndefined(jti),
      iat: typeof iat === 'number' ? iat : undefined,
    }).filter(([, value]) => value !== undefined));
  } catch {
    return {};
  }
}

const stringOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** base64url(SHA-256(access token)): the `ath` claim (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('base64url');
}

/**
 * A URL as `htu` is compared (RFC 9449 §4.3 item 9): without query and fragment, with RFC 3986 §6.2.2 and
 * §6.2.3 normalisation — the WHATWG parser lowercases scheme and host, drops a default port and resolves dot
 * segments; percent-encodings are then written in upper case and decoded where they stand for an unreserved
 * character. Undefined when the value is not an absolute URL.
 */
export function normaliseHtu(value: string): string | undefined {
  // Not URL.parse: Node has it only from 20.18, and the package supports 20.3.
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/%([0-9a-f]{2})/gi, (_escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(character) ? character : `%${hex.toUpperCase()}`;
  });
  return url.href;
}

export interface ProofExpectations {
  /** The request's method. */
  method: string;
  /** The request's URL as the server received it (scheme, Host header, path and query). */
  url: string;
  /** The access token the request carries: the proof's `ath` must be its hash. */
  accessToken: string;
  /** When set, the proof must carry exactly this `nonce`. */
  nonce?: string;
}

export type ProofVerdict =
  | { valid: true; jkt: string; jti: string }
  | { valid: false; error: 'invalid_dpop_proof' | 'use_dpop_nonce'; description: string };

/**
 * Checks one proof against RFC 9449 §4.3 and §7.1: a JWT typed `dpop+jwt`, signed with an allowed algorithm
 * by the public `jwk` of its header, with `jti`, `htm` = the method, `htu` = the URL (normalised), `iat`
 * within `PROOF_IAT_TOLERANCE_SECONDS`, `ath` = the token's hash and, when expected, the server's `nonce`.
 * Replay (`jti` seen before) is the caller's check, made after this one so that a refused proof spends nothing.
 */
export async function verifyDpopProof(proof: string, expected: ProofExpectations): Promise<ProofVerdict> {
  const refuse = (description: string): ProofVerdict => ({ valid: false, error: 'invalid_dpop_proof', description });
  let header: { jwk?: JWK };
  let claims: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(proof) as { jwk?: JWK };
  } catch {
    return refuse('the DPoP proof is not a JWS');
  }
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null) return refuse('the DPoP proof has no jwk header');
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) return refuse('the DPoP proof jwk contains private key members');
  try {
    ({ payload: claims } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] }));
  } catch (error) {
    // jose's message names the failed check (typ, alg, signature…), never the key or the token.
    return refuse(`the DPoP proof does not verify: ${(error as Error).message}`);
  }
  if (typeof claims.jti !== 'string' || claims.jti === '') return refuse('the DPoP proof has no jti');
  if (claims.htm !== expected.method) return refuse('the DPoP proof htm is not the request method');
  const htu = typeof claims.htu === 'string' ? normaliseHtu(claims.htu) : undefined;
  if (htu === undefined || htu !== normaliseHtu(expected.url)) return refuse('the DPoP proof htu is not the request URL');
  if (typeof claims.iat !== 'number') return refuse('the DPoP proof has no iat');
  if (Math.abs(Date.now() / 1000 - claims.iat) > PROOF_IAT_TOLERANCE_SECONDS) return refuse('the DPoP proof iat is outside the accepted window');
  if (claims.ath !== accessTokenHash(expected.accessToken)) return refuse('the DPoP proof ath is not the hash of the access token');
  if (expected.nonce !== undefined && claims.nonce !== expected.nonce) {
    return { valid: false, error: 'use_dpop_nonce', description: claims.nonce === undefined ? 'a DPoP nonce is required' : 'the DPoP nonce is not the current one' };
  }
  return { valid: true, jkt: await calculateJwkThumbprint(jwk), jti: claims.jti };
}
