// `oauth-ccg token`: the access token on stdout, from the cache when it holds a valid one.
import type { Command } from '../context.ts';
import { UsageError } from '../exit-codes.ts';
import { openSession } from '../session.ts';
import { formatOption, formatToken, TOKEN_FORMATS } from '../token-format.ts';

export const run: Command = async (context) => {
  if (context.line.operands.length > 0) throw new UsageError('token takes no arguments, only options. Run oauth-ccg token --help.');
  const format = formatOption(context.options.get('format'), TOKEN_FORMATS, 'bare', 'token');
  const session = await openSession(context);
  try {
    await context.stdout.write(formatToken(await session.client.clientCredentialsAuthManager.getToken(), format));
  } finally {
    await session.close();
  }
  return 0;
};
