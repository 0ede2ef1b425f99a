// `oauth-ccg inspect [token | -]`: what a JWT access token says, for a person debugging: its header and
// claims, with times in words. Nothing is verified, and the output says so: RFC 9068 §6 forbids a client
// to rely on an access token's contents, which only the API may interpret. Without an argument, the
// token the options name (from the cache, or fetched).
import type { Command, CommandContext } from '../context.ts';
import { printable } from '../diagnostics.ts';
import { expiryPhrase, humanDuration } from '../duration.ts';
import { UsageError } from '../exit-codes.ts';
import { openSession } from '../session.ts';
import { formatOption } from '../token-format.ts';

const NOT_VERIFIED =
  'NOT VERIFIED: neither the signature nor any claim was checked. A client must not rely on what an access token says (RFC 9068 §6); only the API decides.';
/** Claims that are times, in unix seconds (RFC 7519 §4.1, OpenID Connect). */
const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);

type Decoded =
  | { readonly kind: 'jwt'; readonly header: Record<string, unknown>; readonly claims: Record<string, unknown> }
  | { readonly kind: 'encrypted' | 'opaque'; readonly length: number };

export const run: Command = async (context) => {
  const { operands } = context.line;
  if (operands.length > 1) throw new UsageError('inspect takes one token, or - to read it from standard input.');
  const format = formatOption(context.options.get('format'), ['text', 'json'] as const, 'text', 'inspect');
  const decoded = decode(await tokenToInspect(context, operands[0]));
  const now = Date.now() / 1000;
  await context.stdout.write(format === 'json' ? `${JSON.stringify(asJson(decoded, now), null, 2)}\n` : printable(asText(decoded, now)));
  return 0;
};

async function tokenToInspect(context: CommandContext, operand: string | undefined): Promise<string> {
  // Imported here: the command line is one bundle, whose static imports every command would load.
  if (operand === '-') return (await (await import('node:stream/consumers')).text(context.stdin)).trim();
  if (operand !== undefined) return operand.trim();
  const session = await openSession(context);
  try {
    return (await session.client.clientCredentialsAuthManager.getToken()).accessToken;
  } finally {
    await session.close();
  }
}

/** A JWS in compact serialization (three base64url parts whose first two are JSON objects) is read; a JWE is recognised; anything else is opaque. */
function decode(token: string): Decoded {
  const parts = token.split('.');
  if (parts.length === 5 && parts.every((part) => /^[\w-]*$/.test(part))) return { kind: 'encrypted', length: token.length };
  if (parts.length === 3) {
    const [header, claims] = [objectOf(parts[0]!), objectOf(parts[1]!)];
    if (header !== undefined && claims !== undefined) return { kind: 'jwt', header, claims };
  }
  return { kind: 'opaque', length: token.length };
}

function objectOf(part: string): Record<string, unknown> | undefined {
  if (!/^[\w-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function asText(decoded: Decoded, now: number): string {
  if (decoded.kind !== 'jwt') {
    return decoded.kind === 'opaque'
      ? `Opaque token (${decoded.length} characters): not a JWT, so there is nothing in it to read. Only its server knows what it means.\n`
      : `Encrypted JWT (JWE, ${decoded.length} characters): its claims cannot be read without the server's key.\n`;
  }
  const section = (title: string, fields: Record<string, unknown>) =>
    [`${title}:`, ...Object.entries(fields).map(([name, value]) => `  ${name}: ${describeValue(name, value, now)}`)].join('\n');
  return `JWT access token\n${NOT_VERIFIED}\n${section('header', decoded.header)}\n${section('claims', decoded.claims)}\n`;
}

function describeValue(name: string, value: unknown, now: number): string {
  if (TIME_CLAIMS.has(name) && typeof value === 'number' && Number.isFinite(value)) {
    const when = new Date(value * 1000).toISOString();
    const relative = name === 'exp' ? expiryPhrase(value, now) : value > now ? `in ${humanDuration(value - now)}` : `${humanDuration(now - value)} ago`;
    return `${value} (${when}, ${relative})`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function asJson(decoded: Decoded, now: number): unknown {
  if (decoded.kind !== 'jwt') return { type: decoded.kind, length: decoded.length };
  const exp = decoded.claims.exp;
  return {
    type: 'jwt',
    verified: false,
    header: decoded.header,
    claims: decoded.claims,
    ...(typeof exp === 'number' && { expiresInSeconds: Math.round(exp - now) }),
  };
}
