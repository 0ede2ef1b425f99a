#!/usr/bin/env node
// `oauth-ccg`: the command line. This module reads the command line and hands over to the command's own
// module, imported only then: a cached `oauth-ccg token` runs the token path and nothing else (the build
// bundles every module into one file, whose modules run when first imported), so that its cost stays
// close to Node's own start-up (the bench measures it).
import { readCommandLine, type CommandName } from './arguments.ts';
import type { Command } from './context.ts';
import { createDiagnostics, type Diagnostics } from './diagnostics.ts';
import { EXIT, exitCodeFor, UsageError } from './exit-codes.ts';
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

async function main(argv: readonly string[]): Promise<number> {
  const { env, stdin, stdout, stderr } = process;
  let diagnostics: Diagnostics = createDiagnostics(stderr, env, false);
  try {
    const line = readCommandLine(argv);
    const options = new OptionReader(line.options, env);
    diagnostics = createDiagnostics(stderr, env, options.get('verbose') === true);
    if (line.options.version) {
      stdout.write(`${await (await import('./version.ts')).packageVersion()}\n`);
      return EXIT.ok;
    }
    if (line.options.help) {
      stdout.write((await import('./help.ts')).helpText(line.command));
      return EXIT.ok;
    }
    if (line.command === undefined) throw new UsageError(`Give a command: ${Object.keys(COMMANDS).join(', ')}. Run oauth-ccg --help.`);
    const { run } = await COMMANDS[line.command]();
    return await run({ line, options, env, stdin, stdout, diagnostics });
  } catch (error) {
    const { describeFailure } = await import('./failure.ts');
    diagnostics.error(describeFailure(error, diagnostics.verbose));
    return exitCodeFor(error);
  }
}

// A reader that stops early (`oauth-ccg fetch … | head -1`) is not a failure of this command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw error;
});
// Not a top-level await: the build bundles the command as CommonJS (scripts/build.ts says why).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
