// `oauth-ccg revoke`: revokes the cached token at the revocation endpoint (RFC 7009) and removes it from
// the cache. Only a cached token: this command never fetches one just to revoke it.
import type { Command } from '../context.ts';
import { UsageError } from '../exit-codes.ts';
import { NothingCached, openSession } from '../session.ts';

export const run: Command = async (context) => {
  if (context.line.operands.length > 0) throw new UsageError('revoke takes no arguments, only options.');
  const session = await openSession(context, undefined, { cachedOnly: true });
  try {
    if (session.cache === undefined) {
      throw new UsageError(session.settings.dpop ? 'A DPoP token is never cached: there is none to revoke.' : 'revoke acts on the cached token, and --no-cache leaves the cache alone.');
    }
    const manager = session.client.clientCredentialsAuthManager;
    const token = await manager.getToken().catch((error: unknown) => {
      if (error instanceof NothingCached) return undefined;
      throw error;
    });
    if (token === undefined) {
      await context.stdout.write('No cached token for this client: nothing to revoke.\n');
      return 0;
    }
    await manager.revokeToken(token);
    await session.cache.forget();
    await context.stdout.write('Revoked the cached token and removed it from the cache.\n');
    return 0;
  } finally {
    await session.close();
  }
};
