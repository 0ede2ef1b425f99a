import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { now } from '../clock.ts';

/** Bearer, or DPoP (RFC 9449): a DPoP token is accepted only with the `DPoP` scheme and a proof, a Bearer token only as Bearer. */
export type TokenType = 'Bearer' | 'DPoP';

export interface TokenClaims {
  clientId: string;
  tokenType: TokenType;
  issuedAt: number;
  expiresAt: number;
}

/**
 * Issues and verifies self-contained signed tokens. Nothing is stored per token, so the server's
 * memory stays flat however many tokens a library asks for (a library without a cache asks for one
 * per call). Revocation bumps an epoch that every token carries.
 */
export class TokenMint {
  readonly #key = randomBytes(32);
  #epoch = 0;

  issue(clientId: string, lifetimeMs: number, tokenType: TokenType = 'Bearer'): string {
    const issuedAt = now();
    const payload = [clientId, issuedAt, issuedAt + lifetimeMs, this.#epoch, tokenType].join('~');
    return `${payload}~${this.#sign(payload)}`;
  }

  /** The token's claims if the API should accept it right now, otherwise undefined. */
  verify(token: string): TokenClaims | undefined {
    const cut = token.lastIndexOf('~');
    const payload = token.slice(0, cut);
    const signature = Buffer.from(token.slice(cut + 1));
    const expected = Buffer.from(this.#sign(payload));
    if (cut < 0 || signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
    const [clientId = '', issuedAt, expiresAt, epoch, tokenType] = payload.split('~');
    const claims = { clientId, tokenType: tokenType as TokenType, issuedAt: Number(issuedAt), expiresAt: Number(expiresAt) };
    if (Number(epoch) !== this.#epoch || claims.expiresAt <= now()) return undefined;
    return claims;
  }

  revokeAll(): void {
    this.#epoch += 1;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}
