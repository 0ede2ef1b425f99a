// `oauth-ccg fetch [options] <url>`: one authorized request through the library's client.fetch (the
// token sent to the URL's origin only, a 401 answered with a new token and one replay), the response
// body on stdout as it arrives. -X, -H and -d as curl has them.
import { readFile } from '../../stores/file/file-system.ts';
import type { Command, CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../exit-codes.ts';
import { openSession } from '../session.ts';

export const run: Command = async (context) => {
  const { operands } = context.line;
  if (operands.length !== 1) throw new UsageError('fetch takes one URL: oauth-ccg fetch [options] https://api.example.com/things');
  const url = URL.canParse(operands[0]!) ? new URL(operands[0]!) : undefined;
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new UsageError('fetch takes an absolute http(s) URL.');
  const init = await requestInit(context);
  const session = await openSession(context, url);
  try {
    const response = await session.client.fetch(url, init);
    if (response.body) {
      for await (const chunk of response.body) await context.stdout.write(chunk);
    }
    if (response.status < 400) return EXIT.ok;
    context.diagnostics.error([`The API answered HTTP ${response.status} ${response.statusText} (${url.origin}${url.pathname}).`]);
    return EXIT.apiError;
  } finally {
    await session.close();
  }
};

/** The request as -X, -H and -d describe it: POST with a form body by default when there is data, as curl does. */
async function requestInit(context: CommandContext): Promise<RequestInit> {
  const { options } = context;
  const headers = new Headers();
  for (const line of options.get('header') ?? []) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    if (colon < 1 || !/^[!#$%&'*+.^_`|~\w-]+$/.test(name)) throw new UsageError('-H takes "Name: value".');
    if (name.toLowerCase() === 'authorization' || name.toLowerCase() === 'dpop') throw new UsageError(`fetch sets ${name} itself: leave -H ${name} out.`);
    headers.append(name, line.slice(colon + 1).trim());
  }
  const data = options.get('data');
  const body = data === undefined ? undefined : await dataOf(data, context);
  if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
  const method = (options.get('request') ?? (body === undefined ? 'GET' : 'POST')).toUpperCase();
  return { method, headers, ...(body !== undefined && { body }) };
}

/** `-d text`, `-d @file`, or `-d @-` for standard input. */
async function dataOf(data: string, context: CommandContext): Promise<string | Uint8Array> {
  if (!data.startsWith('@')) return data;
  if (data === '@-') {
    if (context.options.get('client-secret-stdin')) throw new UsageError('Standard input can carry the client secret or the body (-d @-), not both.');
    // Imported here: the command line is one bundle, whose static imports every command would load.
    return (await import('node:stream/consumers')).buffer(context.stdin);
  }
  const path = data.slice(1);
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read the body file ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`);
  }
}
