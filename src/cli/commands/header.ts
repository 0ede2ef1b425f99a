// `oauth-ccg header`: the Authorization header line, and with --dpop the DPoP proof header for the
// request that --url and -X name (a proof is bound to one method and URL).
import type { Command } from '../context.ts';
import { UsageError } from '../exit-codes.ts';
import { requestHeaders } from '../request-headers.ts';
import { openSession } from '../session.ts';
import { formatOption, headerLines } from '../token-format.ts';

export const run: Command = async (context) => {
  if (context.line.operands.length > 0) throw new UsageError('header takes no arguments, only options. Run oauth-ccg header --help.');
  const format = formatOption(context.options.get('format'), ['header', 'json'] as const, 'header', 'header');
  const session = await openSession(context);
  try {
    const headers = await requestHeaders(session, context.options);
    await context.stdout.write(format === 'json' ? `${JSON.stringify(headers, null, 2)}\n` : headerLines(headers));
  } finally {
    await session.close();
  }
  return 0;
};
