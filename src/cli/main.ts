// `oauth-ccg`: the command line. This module reads the command line and hands over to the command's own
// module, imported only then: a cached `oauth-ccg token` runs the token path and nothing else (the build
// bundles every module into one file, whose modules run when first imported), so that its cost stays
// close to Node's own start-up (the bench measures it).
import { readCommandLine, type CommandName } from './arguments.ts';
import type { Command } from './context.ts';
import { createDiagnostics, type Diagnostics } from './diagnostics.ts';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.ts';
import { standardOutput } from './output.ts';
import { OptionReader } from './settings.ts';

const COMMANDS: Record<CommandName, () => Promise<{ run: Command }>> = {
  token: () => import('./commands/token.ts'),
  header: () => import('./commands/header.ts'),
  curl: () => import('./commands/curl.ts'),
  fetch: () => import('./commands/fetch.ts'),
  inspect: () => import('./commands/inspect.ts'),
  revoke: () => import('./commands/revoke.ts'),
  discover: () => import('./commands/discover.ts'),
  cache: () => import('./commands/cache.ts'),
};

// The process's streams are built when first used (see output.ts): a cached `oauth-ccg token` builds none.
const stdout = standardOutput();
let stderrUsed = false;
const stderr = () => {
  stderrUsed = true;
  return process.stderr;
};

async function main(argv: readonly string[]): Promise<number> {
  const { env } = process;
  let diagnostics: Diagnostics = createDiagnostics(stderr, env, false);
  try {
    const line = readCommandLine(argv);
    const options = new OptionReader(line.options, env);
    diagnostics = createDiagnostics(stderr, env, options.get('verbose') === true);
    if (line.options.version) {
      await stdout.write(`${await (await import('./version.ts')).packageVersion()}\n`);
      return EXIT.ok;
    }
    if (line.options.help) {
      await stdout.write((await import('./help.ts')).helpText(line.command));
      return EXIT.ok;
    }
    if (line.command === undefined) throw new UsageError(`Give a command: ${Object.keys(COMMANDS).join(', ')}. Run oauth-ccg --help.`);
    const { run } = await COMMANDS[line.command]();
    return await run({
      line,
      options,
      env,
      get stdin() {
        return process.stdin;
      },
      stdout,
      diagnostics,
    });
  } catch (error) {
    const { describeFailure } = await import('./failure.ts');
    diagnostics.error(describeFailure(error, diagnostics.verbose));
    return exitCodeFor(error);
  }
}

// Not a top-level await: the build bundles the command as CommonJS (scripts/build.ts says why).
void main(process.argv.slice(2)).then((code) => {
  // The command's work is done. When all it printed went out with synchronous writes, exiting now spares
  // Node's orderly teardown of the heap, a few ms of a cached `oauth-ccg token` (the bench measures it);
  // else Node ends the process once the streams have drained.
  if (stdout.flushed && !stderrUsed) process.exit(code);
  process.exitCode = code;
});
