// What every command runs with: its command line, where options come from, and the process's streams,
// passed in rather than reached for, so that a command's output discipline is visible in its signature.
import type { CommandLine } from './arguments.ts';
import type { Diagnostics } from './diagnostics.ts';
import type { Output } from './output.ts';
import type { OptionReader } from './settings.ts';

export interface CommandContext {
  readonly line: CommandLine;
  readonly options: OptionReader;
  readonly env: NodeJS.ProcessEnv;
  /** Built when first read, as process.stdin is: only a command that reads standard input pays for it. */
  readonly stdin: NodeJS.ReadableStream;
  /** The requested output, and nothing else. */
  readonly stdout: Output;
  /** Everything else. */
  readonly diagnostics: Diagnostics;
}

/** A command: resolves with the exit status; a failure rejects, and main turns it into a message and a status. */
export type Command = (context: CommandContext) => Promise<number>;
