// Each option from the first place that gives it: the command line, then the environment
// (OAUTH_CCG_<OPTION>, e.g. --token-url is OAUTH_CCG_TOKEN_URL), then the profile.
import { OPTIONS, type OptionName, type ParsedOptions } from './arguments.ts';
import { UsageError } from './exit-codes.ts';
import { configFile } from './locations.ts';
import { loadProfile, type Profile } from './profile.ts';

/** Where the client secret comes from. Never argv: see `readCommandLine`. */
export type SecretSource =
  | { readonly from: 'environment' }
  | { readonly from: 'file'; readonly path: string }
  | { readonly from: 'stdin' };

/** Which client, which token and how, before any file is read. */
export interface ClientSettings {
  readonly issuer: string | undefined;
  readonly tokenUrl: string | undefined;
  readonly revocationUrl: string | undefined;
  readonly clientId: string | undefined;
  readonly secret: SecretSource | undefined;
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  readonly authMethod: string | undefined;
  readonly privateKeyFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  readonly dpop: boolean;
  readonly cache: boolean;
  /** Milliseconds, from `--timeout SECONDS`; the library's default when absent. */
  readonly timeout: number | undefined;
}

/** Reads one option from the command line, else from the environment, by its type. */
export class OptionReader {
  constructor(
    private readonly flags: ParsedOptions,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The option's value: from the command line, else `OAUTH_CCG_<NAME>` (lists space-separated, booleans 1/0/true/false). */
  get<K extends OptionName>(name: K): ParsedOptions[K] {
    const flag = this.flags[name];
    if (flag !== undefined) return flag;
    const variable = environmentName(name);
    const text = this.env[variable];
    if (text === undefined) return undefined;
    const spec = OPTIONS[name] as { type: 'string' | 'boolean'; multiple?: boolean };
    if (spec.type === 'boolean') return booleanOf(text, variable) as ParsedOptions[K];
    if (spec.multiple) return text.split(/\s+/).filter(Boolean) as ParsedOptions[K];
    return (text === '' ? undefined : text) as ParsedOptions[K];
  }
}

/** `--token-url` → `OAUTH_CCG_TOKEN_URL`. */
function environmentName(name: OptionName): string {
  return `OAUTH_CCG_${name.toUpperCase().replaceAll('-', '_')}`;
}

function booleanOf(text: string, variable: string): boolean {
  if (/^(?:1|true|yes)$/i.test(text)) return true;
  if (/^(?:0|false|no|)$/i.test(text)) return false;
  throw new UsageError(`${variable} must be 1 or 0 (true or false).`);
}

/** The client's settings from the command line, the environment and the profile, in that order. */
export async function clientSettings(options: OptionReader, env: NodeJS.ProcessEnv): Promise<ClientSettings> {
  const profile = await loadProfile(configFile(env), options.get('profile'), env);
  return {
    issuer: options.get('issuer') ?? profile?.issuer,
    tokenUrl: options.get('token-url') ?? profile?.tokenUrl,
    revocationUrl: options.get('revocation-url') ?? profile?.revocationUrl,
    clientId: options.get('client-id') ?? profile?.clientId,
    secret: secretSource(options, env, profile),
    scopes: options.get('scope') ?? profile?.scopes ?? [],
    resources: options.get('resource') ?? profile?.resources ?? [],
    authMethod: options.get('auth-method') ?? profile?.authMethod,
    privateKeyFile: options.get('private-key') ?? profile?.privateKeyFile,
    certFile: options.get('cert') ?? profile?.certFile,
    keyFile: options.get('key') ?? profile?.keyFile,
    dpop: options.get('dpop') ?? profile?.dpop ?? false,
    cache: !options.get('no-cache'),
    timeout: timeoutOption(options),
  };
}

function secretSource(options: OptionReader, env: NodeJS.ProcessEnv, profile: Profile | undefined): SecretSource | undefined {
  const stdin = options.get('client-secret-stdin');
  const file = options.get('client-secret-file');
  if (stdin && file !== undefined) throw new UsageError('Give --client-secret-stdin or --client-secret-file, not both.');
  if (stdin) return { from: 'stdin' };
  if (file !== undefined) return { from: 'file', path: file };
  if (env.OAUTH_CCG_CLIENT_SECRET !== undefined && env.OAUTH_CCG_CLIENT_SECRET !== '') return { from: 'environment' };
  return profile?.clientSecretFile === undefined ? undefined : { from: 'file', path: profile.clientSecretFile };
}

/** `--timeout SECONDS` in milliseconds, or `undefined` for the library's default. */
export function timeoutOption(options: OptionReader): number | undefined {
  const text = options.get('timeout');
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) throw new UsageError('--timeout takes a number of seconds, more than 0 and at most 86400.');
  return Math.round(seconds * 1000);
}
