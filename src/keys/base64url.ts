// base64url without padding (RFC 7515 §2), JOSE's encoding: of bytes, of a SHA-256 digest (a DPoP `ath`,
// a store key's digest, a file's version) and of random bytes (names no one can guess). WebCrypto only,
// so the store's files and the command line load no second crypto library beside the one sealing tokens.

const encoder = new TextEncoder();

/** `bytes` in base64url. */
export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The SHA-256 of `input` (text as UTF-8), in base64url. */
export async function sha256Base64Url(input: string | Uint8Array): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', typeof input === 'string' ? encoder.encode(input) : input)));
}

/** `length` random bytes, in base64url. */
export function randomBase64Url(length: number): string {
  return base64Url(crypto.getRandomValues(new Uint8Array(length)));
}
