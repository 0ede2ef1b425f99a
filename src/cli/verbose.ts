// -v: every HTTP exchange and every token event on stderr, with each secret, assertion and token
// redacted by the library's own redaction (credential names in bodies, Basic/Bearer/DPoP values and JWTs
// anywhere, and the client's known secrets in every encoding). Loaded only when -v is given.
import type { OAuthEvent } from '../events.ts';
import { KnownSecrets, redactBody, redactText } from '../redaction.ts';
import type { Diagnostics } from './diagnostics.ts';
import { expiryPhrase } from './duration.ts';
import { withMarksOf } from './network.ts';

/** The most of a body -v shows: a token response is far smaller, and a large body says nothing more. */
const SHOWN_BODY = 2048;
const AUTHORIZATION = /^(?:proxy-)?authorization$/i;
/** Headers whose values are credentials whatever their format: cookies, DPoP proofs, API keys and the like. */
const CREDENTIAL_HEADER = /^(?:cookie|set-cookie|dpop)$|key|token|secret|password|credential|session/i;

export interface VerboseLog {
  /** A fetch that reports each exchange made through `inner`. */
  fetch(inner: typeof fetch): typeof fetch;
  /** Reports the library's events. */
  onEvent(event: OAuthEvent): void;
}

/**
 * `secrets`: what to find and redact wherever it appears. `apiOrigin`: where the API is, whose response
 * bodies are the command's output on stdout and are not repeated here (nor are request bodies sent to it).
 */
export function verboseLog(diagnostics: Diagnostics, secrets: readonly string[], apiOrigin?: string): VerboseLog {
  const known = new KnownSecrets();
  known.addCredentials(secrets);
  const clean = (text: string) => redactText(text, known.scrub);
  const show = (prefix: string, text: string) => {
    for (const line of text.split('\n')) diagnostics.detail(`${prefix} ${line}`);
  };
  // Whatever scheme or format a credential header has (a -H of the user's, a cookie of the API's), only its scheme is shown.
  const header = (name: string, value: string) =>
    `${name}: ${AUTHORIZATION.test(name) ? `${value.split(' ')[0]} [redacted]` : CREDENTIAL_HEADER.test(name) ? '[redacted]' : clean(value)}`;

  return {
    fetch(inner) {
      return withMarksOf(inner, async (input, init) => {
        // Read from the arguments, not a Request built from them: that would take a stream body from its sender.
        const url = input instanceof Request ? input.url : String(input);
        const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
        const toApi = apiOrigin !== undefined && new URL(url).origin === apiOrigin;
        show('>', `${method} ${clean(url)}`);
        new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).forEach((value, name) => show('>', header(name, value)));
        if (!toApi && typeof init?.body === 'string') show('>', redactBody(init.body, known.scrub));
        else if (!toApi && init?.body instanceof URLSearchParams) show('>', redactBody(init.body.toString(), known.scrub));
        const started = performance.now();
        let response: Response;
        try {
          response = await inner(input, init);
        } catch (error) {
          show('<', `no response after ${Math.round(performance.now() - started)} ms: ${clean(error instanceof Error ? error.message : String(error))}`);
          throw error;
        }
        show('<', `${response.status} ${response.statusText} (${Math.round(performance.now() - started)} ms)`);
        response.headers.forEach((value, name) => show('<', header(name, value)));
        if (!toApi) {
          const body = await response.clone().text();
          if (body !== '') show('<', redactBody(body.slice(0, SHOWN_BODY), known.scrub) + (body.length > SHOWN_BODY ? ' …' : ''));
        }
        return response;
      });
    },

    onEvent(event) {
      const line = describeEvent(event);
      if (line !== undefined) diagnostics.detail(`* ${clean(line)}`);
    },
  };
}

function describeEvent(event: OAuthEvent): string | undefined {
  switch (event.type) {
    case 'token-request':
      return `token request to ${event.url} (attempt ${event.attempt})`;
    case 'token-request-retry':
      return `attempt ${event.attempt} failed (${event.error.message}); the next in ${event.delayMs} ms`;
    case 'token-updated': {
      const { tokenType, expiry, scope } = event.token;
      const from = event.source === 'store' ? 'the cache' : event.source === 'endpoint' ? 'the token endpoint' : 'the provider';
      const expires = expiry === undefined ? '' : `, ${expiryPhrase(expiry, Date.now() / 1000)}`;
      // "type Bearer," not "Bearer token": the redaction takes a word after "Bearer " for a credential.
      return `a token from ${from} (type ${tokenType}${expires}${scope === undefined ? '' : `, scope "${scope}"`})`;
    }
    case 'token-rejected':
      return 'the API refused the token (401): getting a new one and sending the request again';
    case 'token-rejected-repeatedly':
      return `the API refused a new token too: check --scope and --resource against what it expects`;
    case 'dpop-proof-rejected':
      return 'the API refused the DPoP proof (invalid_dpop_proof)';
    case 'store-failed':
      return `the cache failed (${event.operation}: ${event.error instanceof Error ? event.error.message : String(event.error)}); going on without it`;
    case 'store-resumed':
      return 'the cache works again';
    case 'store-value-ignored':
      return `a cached value was ignored (${event.reason}); a new token replaces it`;
    case 'callback-error':
      return `a callback failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`;
    default:
      return undefined;
  }
}
