// `oauth-ccg curl [options] -- <curl arguments>`: curl with the token, which never appears in any
// process's argv (where `ps` shows it to every user). curl reads its headers from a config file (-K)
// that is a pipe: a shell joins `cat`, reading what this process writes, to curl's fd 4.
//
// Why the shell: Node gives a child's extra stdio a socket pair, not a pipe, and on Linux /dev/fd/N of a
// socket cannot be opened — curl then refuses -K, and silently sends no header for `-H @/dev/fd/N`.
// A pipe made by sh can. curl keeps the caller's stdin, so `-d @-` and `-T -` still read it.
import { constants } from 'node:os';
import type { Command } from '../context.ts';
import { UsageError } from '../exit-codes.ts';
import { requestHeaders } from '../request-headers.ts';
import { openSession } from '../session.ts';
import { headerLines } from '../token-format.ts';

/** `$0` is curl, `$@` its arguments. fd 3: the config from this process; fd 4 in curl: the pipe from cat. */
const SCRIPT = 'exec 5<&0; cat <&3 | "$0" "$@" 4<&0 0<&5 5<&- 3<&-';
/** The shell's status when it cannot find the command. */
const NOT_FOUND = 127;

export const run: Command = async (context) => {
  const { operands, passThrough } = context.line;
  if (operands.length > 0 || passThrough.length === 0) {
    throw new UsageError("curl's own arguments go after --: oauth-ccg curl [options] -- https://api.example.com/things");
  }
  const session = await openSession(context);
  let headers: Record<string, string>;
  try {
    headers = await requestHeaders(session, context.options);
  } finally {
    await session.close();
  }
  const status = await runCurl(curlConfig(headers), passThrough);
  if (status === NOT_FOUND) context.diagnostics.error(['curl was not found on PATH. Install it, or use oauth-ccg fetch.']);
  return status;
};

/** A curl config file (the format of -K) that adds the headers; quoted, so nothing in a value is read as an option. */
function curlConfig(headers: Record<string, string>): string {
  return headerLines(headers)
    .split('\n')
    .filter(Boolean)
    .map((line) => `header = "${line.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"\n`)
    .join('');
}

/** Runs curl with `config` on fd 4 and resolves with its exit status (128 + the signal's number if a signal ended it). */
async function runCurl(config: string, curlArguments: readonly string[]): Promise<number> {
  // Imported here: the command line is one bundle, whose static imports every command would load.
  const { spawn } = await import('node:child_process');
  // -q (ignore .curlrc) only works as curl's first argument.
  const [first, ...rest] = curlArguments;
  const leading = first === '-q' || first === '--disable' ? [first] : [];
  const args = [...leading, '-K', '/dev/fd/4', ...(leading.length > 0 ? rest : curlArguments)];
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', SCRIPT, 'curl', ...args], { stdio: ['inherit', 'inherit', 'inherit', 'pipe'] });
    const configPipe = child.stdio[3] as NodeJS.WritableStream;
    // curl may exit before reading (a bad argument): the write then fails, and curl's status says why.
    configPipe.on('error', () => {});
    configPipe.end(config);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === null ? 0 : constants.signals[signal];
}
