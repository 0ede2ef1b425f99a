// `oauth-ccg discover <issuer>`: the authorization server's metadata as the library reads and checks it
// (RFC 8414, with the OpenID Connect fallback): its issuer must be the one asked for, its endpoints
// absolute URLs. What a client-credentials client uses of it, by the RFC's names.
import { requireSafeUrl } from '../../client/configuration.ts';
import { discoverAuthorizationServer, type AuthorizationServerMetadata } from '../../protocol/discovery.ts';
import type { Command } from '../context.ts';
import { printable } from '../diagnostics.ts';
import { commandFetch } from '../network.ts';
import { UsageError } from '../exit-codes.ts';
import { timeoutOption } from '../settings.ts';
import { formatOption } from '../token-format.ts';

/** The library's default timeout, for a discovery without --timeout. */
const DEFAULT_TIMEOUT_MS = 30_000;

export const run: Command = async (context) => {
  const { operands } = context.line;
  if (operands.length !== 1) throw new UsageError('discover takes the issuer: oauth-ccg discover https://auth.example.com');
  const format = formatOption(context.options.get('format'), ['text', 'json'] as const, 'text', 'discover');
  if (!URL.canParse(operands[0]!)) throw new UsageError('The issuer must be an absolute URL, e.g. https://auth.example.com.');
  const issuer = new URL(operands[0]!);
  requireSafeUrl(issuer, 'The issuer', false);
  const timeout = timeoutOption(context.options) ?? DEFAULT_TIMEOUT_MS;
  const fetchImplementation = context.diagnostics.verbose ? (await import('../verbose.ts')).verboseLog(context.diagnostics, []).fetch(commandFetch()) : commandFetch();
  const metadata = await discoverAuthorizationServer(issuer, { timeout, fetch: fetchImplementation, scrub: (text) => text });
  const fields = rfcFields(metadata);
  await context.stdout.write(format === 'json' ? `${JSON.stringify(fields, null, 2)}\n` : printable(asText(fields)));
  return 0;
};

type Fields = { [name: string]: string | readonly string[] | Fields };

/** The metadata under the names RFC 8414 gives its fields: URLs as strings, absent fields left out. */
function rfcFields(metadata: AuthorizationServerMetadata): Fields {
  const aliases = present({
    token_endpoint: metadata.mtlsEndpointAliases.tokenEndpoint?.href,
    revocation_endpoint: metadata.mtlsEndpointAliases.revocationEndpoint?.href,
  });
  return present({
    issuer: metadata.issuer,
    token_endpoint: metadata.tokenEndpoint.href,
    revocation_endpoint: metadata.revocationEndpoint?.href,
    mtls_endpoint_aliases: Object.keys(aliases).length > 0 ? aliases : undefined,
    token_endpoint_auth_methods_supported: metadata.tokenEndpointAuthMethodsSupported,
    token_endpoint_auth_signing_alg_values_supported: metadata.tokenEndpointAuthSigningAlgValuesSupported,
    dpop_signing_alg_values_supported: metadata.dpopSigningAlgValuesSupported,
  });
}

function present(fields: Record<string, Fields[string] | undefined>): Fields {
  return Object.fromEntries(Object.entries(fields).filter((entry): entry is [string, Fields[string]] => entry[1] !== undefined));
}

/** One line per field, nested names dotted (`mtls_endpoint_aliases.token_endpoint`), lists space-separated. */
function asText(fields: Fields): string {
  const flat = (prefix: string, nested: Fields): [string, string][] =>
    Object.entries(nested).flatMap(([name, value]): [string, string][] =>
      typeof value === 'string' ? [[prefix + name, value]] : Array.isArray(value) ? [[prefix + name, value.join(' ')]] : flat(`${prefix}${name}.`, value as Fields),
    );
  const lines = flat('', fields);
  const width = Math.max(...lines.map(([name]) => name.length));
  return `${lines.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n')}\n\nChecked: the metadata names this issuer (RFC 8414 §3.3) and its endpoints are absolute URLs.\n`;
}
