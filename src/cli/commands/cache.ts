// `oauth-ccg cache list | clear`: what the token cache holds (identities, scopes, expiry; never a token),
// and removing it all.
import { clearCache, listCachedIdentities, type CachedIdentity } from '../cache.ts';
import type { Command } from '../context.ts';
import { printable } from '../diagnostics.ts';
import { expiryPhrase } from '../duration.ts';
import { UsageError } from '../exit-codes.ts';
import { cacheDirectory } from '../locations.ts';
import { formatOption } from '../token-format.ts';

export const run: Command = async (context) => {
  const [action, ...rest] = context.line.operands;
  if ((action !== 'list' && action !== 'clear') || rest.length > 0) throw new UsageError('cache takes list or clear: oauth-ccg cache list');
  if (action === 'clear') {
    const count = await clearCache(context.env);
    await context.stdout.write(`Removed the token cache (${count} ${count === 1 ? 'identity' : 'identities'}) from ${cacheDirectory(context.env)}.\n`);
    return 0;
  }
  const format = formatOption(context.options.get('format'), ['text', 'json'] as const, 'text', 'cache list');
  const identities = await listCachedIdentities(context.env);
  await context.stdout.write(format === 'json' ? `${JSON.stringify(identities, null, 2)}\n` : printable(asText(identities, Date.now() / 1000)));
  return 0;
};

function asText(identities: readonly CachedIdentity[], now: number): string {
  if (identities.length === 0) return 'No cached tokens.\n';
  return identities
    .map((identity) => {
      const lines = [
        `${identity.clientId} at ${identity.issuer ?? identity.tokenUrl}`,
        `  ${identity.tokenType} token, ${identity.expiry === undefined ? 'no expiry known' : expiryPhrase(identity.expiry, now)}`,
        `  scopes: ${identity.scopes.length > 0 ? identity.scopes.join(' ') : '(none asked)'}${identity.grantedScope === undefined ? '' : `; granted: ${identity.grantedScope}`}`,
        ...(identity.resources.length > 0 ? [`  resources: ${identity.resources.join(' ')}`] : []),
        ...(identity.authMethod === undefined ? [] : [`  auth method: ${identity.authMethod}`]),
      ];
      return `${lines.join('\n')}\n`;
    })
    .join('\n');
}
