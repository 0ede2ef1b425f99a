// The text of --help: the commands, the options and where else they come from, the exit statuses.
import type { CommandName } from './arguments.ts';
import { EXIT_STATUS_HELP } from './exit-codes.ts';

const USAGE: Record<CommandName, [usage: string, summary: string]> = {
  token: ['token [options]', 'Print the access token alone, for $(...). --format bare|header|json|env'],
  header: ['header [options] [--url URL [-X METHOD]]', 'Print "Authorization: Bearer …"; with --dpop, the DPoP proof header for --url too. --format header|json'],
  curl: ['curl [options] [--url URL [-X METHOD]] -- <curl arguments>', "Run curl with the token; the token is never in any process's arguments. Exits with curl's status."],
  fetch: ['fetch [options] [-X METHOD] [-H "Name: value"]... [-d DATA|@FILE|@-] <url>', 'Make one authorized request; the response body on stdout, a 401 answered with a new token once.'],
  inspect: ['inspect [token | -] [options]', "Decode a JWT access token for a human, without verifying anything (default: the options' token). --format text|json"],
  revoke: ['revoke [options]', 'Revoke the cached token at the revocation endpoint (RFC 7009) and remove it from the cache.'],
  discover: ['discover <issuer>', "Print the issuer's checked RFC 8414 metadata. --format text|json"],
  cache: ['cache list | clear', 'List what is cached (identities, scopes, expiry; never a token), or remove it all. --format text|json'],
};

const OPTIONS_HELP = `Client options (each also from the environment, OAUTH_CCG_<NAME>, e.g. OAUTH_CCG_TOKEN_URL, and from a profile):
  --issuer URL              the authorization server; its metadata (RFC 8414) gives the endpoints
  --token-url URL           the token endpoint (no discovery)
  --revocation-url URL      the revocation endpoint, for revoke
  --client-id ID
  --client-secret-file FILE the client secret, from a file (one trailing newline dropped)
  --client-secret-stdin     the client secret, from standard input
                            or OAUTH_CCG_CLIENT_SECRET; never on the command line, where ps shows it
  --scope SCOPE             repeatable (OAUTH_CCG_SCOPE: space-separated)
  --resource URI            RFC 8707 resource indicator, repeatable (OAUTH_CCG_RESOURCE: space-separated)
  --auth-method METHOD      client_secret_basic, client_secret_post, client_secret_jwt, private_key_jwt,
                            tls_client_auth, self_signed_tls_client_auth (default: from the credentials)
  --private-key FILE        PKCS#8 PEM key for private_key_jwt
  --cert FILE --key FILE    client certificate and key (PEM) for mutual TLS (needs the undici package)
  --dpop                    a DPoP-bound token (RFC 9449), with a key of this run; never cached
  --profile NAME            a profile of $XDG_CONFIG_HOME/oauth-ccg/config.json (default: its defaultProfile)
  --no-cache                neither read nor write the token cache ($XDG_CACHE_HOME/oauth-ccg)
  --timeout SECONDS         per HTTP request (default 30)
Other options:
  --format FORMAT           see each command
  -v, --verbose             every HTTP exchange and token event on stderr, secrets redacted
  -h, --help                this help, or a command's: oauth-ccg <command> --help
  --version`;

/** The whole help, or one command's. */
export function helpText(command: CommandName | undefined): string {
  if (command !== undefined) {
    const [usage, summary] = USAGE[command];
    return `Usage: oauth-ccg ${usage}\n\n${summary}\n\n${OPTIONS_HELP}\n\n${EXIT_STATUS_HELP}\n`;
  }
  const width = Math.max(...Object.keys(USAGE).map((name) => name.length));
  const commands = Object.entries(USAGE).map(([name, [, summary]]) => `  ${name.padEnd(width)}  ${summary}`);
  return `Usage: oauth-ccg <command> [options]

OAuth 2.0 client-credentials tokens for shells and scripts, cached safely between runs.

Commands:
${commands.join('\n')}

${OPTIONS_HELP}

${EXIT_STATUS_HELP}
`;
}
