// Everything the command says on stderr: errors always, the rest only with -v, so that a successful
// `$(oauth-ccg token)` prints nothing but the token. Colour only on a terminal, never with NO_COLOR.

/** What the command tells its user, on stderr. */
export interface Diagnostics {
  readonly verbose: boolean;
  /** A failure: `oauth-ccg: ` and the first line, then the others indented. Printed whatever `verbose` says. */
  error(lines: readonly string[]): void;
  /** A line of `-v` output; nothing without `-v`. */
  detail(line: string): void;
  /** Dims text, on a terminal that shows colour. */
  dim(text: string): string;
}

/**
 * `openStderr` is called on the first message: a successful command says nothing, and building the stream
 * costs start-up time (see output.ts).
 */
export function createDiagnostics(openStderr: () => NodeJS.WritableStream & { isTTY?: boolean }, env: NodeJS.ProcessEnv, verbose: boolean): Diagnostics {
  let stderr: ReturnType<typeof openStderr> | undefined;
  const output = () => (stderr ??= openStderr());
  // https://no-color.org: NO_COLOR present and not empty turns colour off, whatever else says.
  const colour = () => output().isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
  const paint = (code: string) => (text: string) => (colour() ? `\x1b[${code}m${text}\x1b[0m` : text);
  const red = paint('31');
  const dim = paint('2');
  return {
    verbose,
    error(lines) {
      const [first = '', ...rest] = lines.map(printable);
      output().write(`oauth-ccg: ${red('error:')} ${first}\n${rest.map((line) => `  ${line}\n`).join('')}`);
    },
    detail(line) {
      if (verbose) output().write(`${dim(printable(line))}\n`);
    },
    dim,
  };
}

/**
 * Text without control characters (tabs and line breaks aside): what a server sends (an error description,
 * a header) reaches a terminal here, and escape sequences in it could rewrite what the user sees.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '\uFFFD');
}
