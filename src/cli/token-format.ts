// How a token is printed on stdout: alone (for `$(oauth-ccg token)`), as a header, as the library's
// OAuthToken in JSON, or as a shell assignment for `eval`.
import type { OAuthToken } from '../token.ts';
import { UsageError } from './exit-codes.ts';

export const TOKEN_FORMATS = ['bare', 'header', 'json', 'env'] as const;
export type TokenFormat = (typeof TOKEN_FORMATS)[number];

/** The `--format` value when it is one of `formats`, else `fallback`; any other value is a {@link UsageError}. */
export function formatOption<F extends string>(value: string | undefined, formats: readonly F[], fallback: F, command: string): F {
  if (value === undefined) return fallback;
  if ((formats as readonly string[]).includes(value)) return value as F;
  throw new UsageError(`${command} prints --format ${formats.join(', ')}; not "${value.slice(0, 20)}".`);
}

/** The token in `format`, with a final newline. */
export function formatToken(token: OAuthToken, format: TokenFormat): string {
  switch (format) {
    case 'bare':
      return `${token.accessToken}\n`;
    case 'header':
      return headerLines({ authorization: `${token.tokenType} ${token.accessToken}` });
    case 'json': {
      const { accessToken, tokenType, expiresIn, expiry, scope } = token;
      return `${JSON.stringify({ accessToken, tokenType, expiresIn, expiry, scope }, null, 2)}\n`;
    }
    case 'env':
      return `OAUTH_CCG_ACCESS_TOKEN=${shellQuoted(token.accessToken)}\n`;
  }
}

/** Headers as HTTP writes them, one `Name: value` line each (`authorization` → `Authorization`, `dpop` → `DPoP`). */
export function headerLines(headers: Record<string, string>): string {
  return Object.entries(headers).map(([name, value]) => `${HEADER_NAMES[name] ?? name}: ${value}\n`).join('');
}

const HEADER_NAMES: Record<string, string> = { authorization: 'Authorization', dpop: 'DPoP' };

/** Single quotes keep everything literal in a POSIX shell; a quote inside is closed, escaped and reopened. */
function shellQuoted(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}
