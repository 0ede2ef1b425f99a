// Where the command keeps its files, by the XDG Base Directory conventions: the config in
// $XDG_CONFIG_HOME/oauth-ccg, the token cache in $XDG_CACHE_HOME/oauth-ccg (each defaulting under $HOME).
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** `$HOME`, else the account's home directory. */
export function homeDirectory(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/** `$XDG_CONFIG_HOME/oauth-ccg/config.json`, default `~/.config/oauth-ccg/config.json`. */
export function configFile(env: NodeJS.ProcessEnv): string {
  return join(baseDirectory(env.XDG_CONFIG_HOME, '.config', env), 'oauth-ccg', 'config.json');
}

/** `$XDG_CACHE_HOME/oauth-ccg`, default `~/.cache/oauth-ccg`. */
export function cacheDirectory(env: NodeJS.ProcessEnv): string {
  return join(baseDirectory(env.XDG_CACHE_HOME, '.cache', env), 'oauth-ccg');
}

/** The XDG specification says a relative value is invalid and must be ignored. */
function baseDirectory(value: string | undefined, fallback: string, env: NodeJS.ProcessEnv): string {
  return value && isAbsolute(value) ? value : join(homeDirectory(env), fallback);
}
