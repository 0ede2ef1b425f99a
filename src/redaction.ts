/**
 * Keeping secrets out of every text the library puts in an error or an event. Two layers, because
 * neither is enough alone:
 * - **What the library knows**: its client secret and every token it has held, in each encoding it sends
 *   them (raw, form-encoded, JSON-escaped, the base64 of a Basic header). A server or a custom `fetch`
 *   that echoes any of them anywhere in a text is caught, whatever the field is called.
 * - **What a text says of itself**: a JSON or form body is parsed, and every value under a name that
 *   holds credentials (`access_token`, `accessToken`, `client_secret`, `token`, …) is replaced, so that a
 *   key written `"access\u005ftoken"` or `access%5Ftoken` is read as the parser reads it. Free text is
 *   searched for `Basic …`/`Bearer …` credentials and `name=value` / `"name": "value"` pairs.
 */

/** Removes secrets from a text. */
export type Scrub = (text: string) => string;

const REDACTED = '[redacted]';
/** Tokens held longer ago than this many renewals are long expired; remembering them all would grow without end. */
const REMEMBERED_TOKENS = 8;
/** Shorter values would blank out ordinary words; no real secret or token is this short. */
const SHORTEST_SECRET = 3;

/** The secrets one client knows and can therefore find in any text, however they were echoed. */
export class KnownSecrets {
  readonly #fixed: string[] = [];
  readonly #tokens: string[][] = [];
  #all: readonly string[] = [];

  /** Credentials that never change for this client, e.g. the client secret and its Basic header value. */
  addCredentials(values: readonly string[]): void {
    this.#fixed.push(...values.flatMap(encodings));
    this.#update();
  }

  /** A token the client now holds; the last few are remembered. */
  addToken(token: { readonly accessToken: string; readonly refreshToken?: string | undefined }): void {
    this.#tokens.push([token.accessToken, token.refreshToken ?? ''].flatMap(encodings));
    if (this.#tokens.length > REMEMBERED_TOKENS) this.#tokens.shift();
    this.#update();
  }

  readonly scrub: Scrub = (text) => {
    let scrubbed = text;
    for (const secret of this.#all) if (scrubbed.includes(secret)) scrubbed = scrubbed.split(secret).join(REDACTED);
    return scrubbed;
  };

  #update(): void {
    // Longest first, so that a secret inside a longer one (a secret inside its Basic value) leaves no remnant.
    this.#all = [...new Set([...this.#fixed, ...this.#tokens.flat()])].sort((a, b) => b.length - a.length);
  }
}

/** The forms in which a value can come back in a text: as sent, form- or URI-encoded, inside a JSON string. */
function encodings(value: string): string[] {
  if (value.length < SHORTEST_SECRET) return [];
  return [value, new URLSearchParams([['', value]]).toString().slice(1), encodeURIComponent(value), JSON.stringify(value).slice(1, -1)];
}

/** Names whose values are credentials, compared without case or punctuation: `access_token`, `accessToken`, `client-secret`, `token`. */
function isCredentialName(name: string): boolean {
  return /(?:token|secret|password|assertion|apikey|authorization|credentials?)$/.test(name.toLowerCase().replace(/[^a-z]/g, ''));
}

/**
 * A response body made safe to keep for diagnosis: parsed as JSON or as a form when it is one, with
 * credential values replaced, then scrubbed as any other text. The result may be re-serialized (spacing
 * and escapes can differ from what the server sent).
 */
export function redactBody(body: string, scrub: Scrub): string {
  return redactText(redactStructure(body), scrub);
}

/** Free text (an error description, an exception's message) with credential-looking values and known secrets removed. */
export function redactText(text: string, scrub: Scrub): string {
  return scrub(
    text.replace(JSON_PAIR, `$1${REDACTED}`).replace(FORM_PAIR, `$1${REDACTED}`).replace(CREDENTIALS, `$1 ${REDACTED}`).replace(JWT, REDACTED),
  );
}

const NAME = '[\\w.-]*(?:token|secret|password|assertion|api[_-]?key)';
/** A whole JSON string value, escapes included: a token may contain `,`, `}` or `&`. */
const JSON_PAIR = new RegExp(`("${NAME}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*`, 'gi');
const FORM_PAIR = new RegExp(`((?:^|[&\\s?;,])${NAME}=)[^&\\s]*`, 'gi');
const CREDENTIALS = /\b(Basic|Bearer|DPoP)\s+[\w\-.~+/]+=*/gi;
/** A JWS in compact form (a client assertion, a JWT access token): its header always starts `{"`, base64url `eyJ`. */
const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g;

function redactStructure(body: string): string {
  try {
    return JSON.stringify(redactValue(JSON.parse(body), false, 0));
  } catch {
    const form = new URLSearchParams(body);
    if (![...form.keys()].some(isCredentialName)) return body;
    return new URLSearchParams([...form].map(([name, value]): [string, string] => [name, isCredentialName(name) ? REDACTED : value])).toString();
  }
}

/** Deeper than this, a body is an attack, not a response: its inside is dropped rather than walked. */
const DEEPEST = 32;

function redactValue(value: unknown, underCredentialName: boolean, depth: number): unknown {
  if (typeof value !== 'object' || value === null) {
    return underCredentialName && (typeof value === 'string' || typeof value === 'number') ? REDACTED : value;
  }
  if (depth >= DEEPEST) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, underCredentialName, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([name, item]) => [name, redactValue(item, underCredentialName || isCredentialName(name), depth + 1)]),
  );
}
