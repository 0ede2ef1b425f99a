import type { ClientAuthentication } from './client-authentication.ts';

/**
 * client_secret_basic: HTTP Basic with the id and secret form-urlencoded first, as RFC 6749 §2.3.1
 * requires. `encoded: false` sends them as they are, for servers that do not decode them
 * (see `basicCredentialsEncoding`); only ids and secrets without `:`, `%`, `+` or non-ASCII differ.
 */
export function clientSecretBasic(clientId: string, clientSecret: string, options: { encoded: boolean } = { encoded: true }): ClientAuthentication {
  const credentials = options.encoded ? encodeBasicCredentials(clientId, clientSecret) : base64Utf8(`${clientId}:${clientSecret}`);
  const authorization = `Basic ${credentials}`;
  return {
    method: 'client_secret_basic',
    clientId,
    secrets: [clientSecret, credentials],
    apply: ({ headers }) => headers.set('authorization', authorization),
  };
}

/**
 * `base64(formUrlEncode(id) + ":" + formUrlEncode(secret))` (RFC 6749 §2.3.1 and Appendix B).
 * Plain `base64(id:secret)` breaks for any id or secret with `:`, `%`, `+` or non-ASCII characters.
 */
export function encodeBasicCredentials(clientId: string, clientSecret: string): string {
  // After form-urlencoding the text is ASCII, so btoa's Latin-1 restriction cannot bite.
  return btoa(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`);
}

/** The application/x-www-form-urlencoded serialisation of one value, exactly as URLSearchParams writes it. */
function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The base64 of a text's UTF-8 bytes (btoa alone takes Latin-1 only). */
function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
