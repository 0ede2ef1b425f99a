// A failure in words for the person at the terminal: what happened, the server's own `error` and
// `error_description` when it refused, and what to do next, in the command's own terms (options, not
// the library's configuration fields). Never a secret: the library's errors hold none, and ours quote none.
import { ApiError, ConfigurationError, DiscoveryError, NetworkError, OAuthProviderError, TimeoutError } from '../errors.ts';
import { UsageError } from './exit-codes.ts';

/** The lines that describe `error`; with `verbose`, its stack follows them (a usage mistake's aside). */
export function describeFailure(error: unknown, verbose: boolean): string[] {
  const stack = verbose && !(error instanceof UsageError) && error instanceof Error && error.stack ? error.stack.split('\n').filter((line) => /^\s+at /.test(line)) : [];
  return [...summaryOf(error, verbose), ...stack];
}

function summaryOf(error: unknown, verbose: boolean): string[] {
  if (error instanceof UsageError) return [error.message];
  if (error instanceof ConfigurationError) return [inCommandTerms(error.message)];
  if (error instanceof OAuthProviderError) {
    return [
      `The authorization server refused: ${error.error} (HTTP ${error.statusCode}).`,
      ...(error.errorDescription ? [`error_description: ${error.errorDescription}`] : []),
      adviceFor(error.error),
    ];
  }
  if (error instanceof DiscoveryError) {
    return [error.message, 'Check --issuer (the server\'s issuer identifier, exactly), or give --token-url instead of discovering it.'];
  }
  if (error instanceof ApiError) return [error.message];
  if (error instanceof TimeoutError) return [error.message, 'Check the URL and the network, or give --timeout SECONDS to wait longer.'];
  if (error instanceof NetworkError) return [error.message, 'Check the URL and the network.'];
  const message = error instanceof Error ? error.message : String(error);
  return [`Unexpected failure: ${message}`, ...(verbose ? [] : ['Run again with -v for details.'])];
}

function adviceFor(code: string): string {
  switch (code) {
    case 'invalid_client':
      return "Check --client-id, the client's credential (secret, --private-key or --cert) and --auth-method against the server's registration.";
    case 'invalid_scope':
      return 'Check --scope against the scopes the client is allowed.';
    case 'invalid_target':
      return 'Check --resource against the resources the server knows (some servers take one per token).';
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return 'The server does not allow this client the client_credentials grant.';
    default:
      return "See the server's documentation for this error.";
  }
}

/**
 * The library's configuration fields, as its ConfigurationError messages name them, in the options the
 * command's user gives instead. A message that names a field the command does not have keeps its name.
 */
const COMMAND_TERMS: readonly (readonly [RegExp, string])[] = [
  [/, or set allowInsecureHttp: true if you accept that\./, ' (the command allows plain http to loopback only).'],
  [/\boAuthPrivateKey \(a CryptoKey, a private JWK or a PKCS#8 PEM\) or oAuthClientAssertion\b/, '--private-key FILE (a PKCS#8 PEM)'],
  [/\boAuthPrivateKey\b/g, '--private-key'],
  [/\boAuthClientSecret\b/g, 'the client secret (OAUTH_CCG_CLIENT_SECRET, --client-secret-file or --client-secret-stdin)'],
  [/\boAuthClientId\b/g, '--client-id'],
  [/\boAuthScopes\b/g, '--scope'],
  [/\boAuthResource\b/g, '--resource'],
  [/\btokenEndpointAuthMethod\b/g, '--auth-method'],
  [/\bconfigure tokenUrl or issuer\b/g, 'give --token-url or --issuer'],
  [/\btokenUrl\b/g, '--token-url'],
  [/\brevocationUrl\b/g, '--revocation-url'],
];

function inCommandTerms(message: string): string {
  return COMMAND_TERMS.reduce((text, [field, option]) => text.replace(field, option), message);
}
