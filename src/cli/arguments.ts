// The command line, read by node:util's parseArgs (no dependency, and strict: an unknown option is an
// error, not something silently ignored). Which options each command takes is checked here too, so that
// every mistake in the command line is found before anything is read or requested.
import { parseArgs } from 'node:util';
import { UsageError } from './exit-codes.ts';

/** Every option of every command. Long names follow the library's concepts; see `--help`. */
export const OPTIONS = {
  issuer: { type: 'string' },
  'token-url': { type: 'string' },
  'revocation-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret-file': { type: 'string' },
  'client-secret-stdin': { type: 'boolean' },
  scope: { type: 'string', multiple: true },
  resource: { type: 'string', multiple: true },
  'auth-method': { type: 'string' },
  'private-key': { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  dpop: { type: 'boolean' },
  profile: { type: 'string' },
  'no-cache': { type: 'boolean' },
  format: { type: 'string' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  url: { type: 'string' },
  request: { type: 'string', short: 'X' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The options as parsed: strings, lists of strings (`multiple`), booleans. */
export type ParsedOptions = {
  -readonly [K in OptionName]?: (typeof OPTIONS)[K] extends { type: 'boolean' } ? boolean : (typeof OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

/** The options that say which client, which token and how: the same for every command that gets a token. */
const CLIENT_OPTIONS = [
  'issuer', 'token-url', 'revocation-url', 'client-id', 'client-secret-file', 'client-secret-stdin', 'scope', 'resource',
  'auth-method', 'private-key', 'cert', 'key', 'dpop', 'profile', 'no-cache', 'timeout',
] as const satisfies readonly OptionName[];

/** Taken by every command. */
const EVERYWHERE: readonly OptionName[] = ['verbose', 'help', 'version'];

/** The commands, and the options each takes beyond {@link EVERYWHERE}. */
export const COMMANDS = {
  token: [...CLIENT_OPTIONS, 'format'],
  header: [...CLIENT_OPTIONS, 'format', 'url', 'request'],
  curl: [...CLIENT_OPTIONS, 'url', 'request'],
  fetch: [...CLIENT_OPTIONS, 'request', 'header', 'data'],
  inspect: [...CLIENT_OPTIONS, 'format'],
  revoke: [...CLIENT_OPTIONS],
  discover: ['format', 'timeout'],
  cache: ['format'],
} as const satisfies Record<string, readonly OptionName[]>;

export type CommandName = keyof typeof COMMANDS;

export interface CommandLine {
  /** Absent with `--help` or `--version` alone. */
  readonly command: CommandName | undefined;
  readonly options: ParsedOptions;
  /** What follows the command, before any `--`. */
  readonly operands: readonly string[];
  /** Everything after `--`: curl's own arguments. */
  readonly passThrough: readonly string[];
}

/** Options that would put a secret where `ps` shows it to every user of the machine. */
const SECRET_IN_ARGV = /^--(?:client-secret|secret|password)(?:=|$)/;

/** Reads `argv` (without node and the script). Every mistake is a {@link UsageError}. */
export function readCommandLine(argv: readonly string[]): CommandLine {
  const terminator = argv.indexOf('--');
  const own = terminator === -1 ? argv : argv.slice(0, terminator);
  if (own.some((arg) => SECRET_IN_ARGV.test(arg))) {
    throw new UsageError(
      'A client secret on the command line is visible to every user of this machine (ps, /proc). ' +
        'Give it in OAUTH_CCG_CLIENT_SECRET, with --client-secret-file FILE, or with --client-secret-stdin.',
    );
  }
  let parsed: { values: ParsedOptions; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...own], options: OPTIONS, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    // parseArgs' messages name the option, never its value.
    throw new UsageError(`${(error as Error).message}. Run oauth-ccg --help for the options.`);
  }
  const [first, ...operands] = parsed.positionals;
  const command = first === undefined ? undefined : commandNamed(first);
  const passThrough = terminator === -1 ? [] : argv.slice(terminator + 1);
  if (command !== undefined) checkOptionsOf(command, parsed.values);
  if (passThrough.length > 0 && command !== 'curl') throw new UsageError('Only curl takes arguments after --.');
  return { command, options: parsed.values, operands, passThrough };
}

function commandNamed(word: string): CommandName {
  if (Object.hasOwn(COMMANDS, word)) return word as CommandName;
  // Quoted only when it looks like a mistyped command: anything else may be a value put in the wrong place.
  const shown = /^[a-z-]{1,20}$/.test(word) ? ` "${word}"` : '';
  throw new UsageError(`Unknown command${shown}. Commands: ${Object.keys(COMMANDS).join(', ')}. Run oauth-ccg --help.`);
}

function checkOptionsOf(command: CommandName, values: ParsedOptions): void {
  const allowed = new Set<OptionName>([...EVERYWHERE, ...COMMANDS[command]]);
  for (const name of Object.keys(values) as OptionName[]) {
    if (!allowed.has(name)) throw new UsageError(`${command} does not take --${name}. Run oauth-ccg ${command} --help.`);
  }
}
