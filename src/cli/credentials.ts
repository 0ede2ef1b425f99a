// The client's credentials, read from where the settings say: the secret from the environment, a file or
// standard input; keys and certificates from files. Messages name the file, never what is in it.
import { readFile } from '../stores/file/file-system.ts';
import type { CommandContext } from './context.ts';
import { UsageError } from './exit-codes.ts';
import type { ClientSettings } from './settings.ts';

export interface Credentials {
  readonly secret: string | undefined;
  /** PEM (PKCS#8), for private_key_jwt. */
  readonly privateKey: string | undefined;
  /** PEM certificate and key, for mutual TLS. */
  readonly certificate: { readonly cert: string; readonly key: string } | undefined;
}

/** Reads every credential the settings name. A missing or unreadable one is a {@link UsageError} that says how to give it. */
export async function readCredentials(settings: ClientSettings, context: Pick<CommandContext, 'env' | 'stdin'>): Promise<Credentials> {
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
    throw new UsageError('--cert and --key go together: the client certificate and its private key (PEM files).');
  }
  const [secret, privateKey, cert, key] = await Promise.all([
    readSecret(settings, context),
    settings.privateKeyFile === undefined ? undefined : readCredentialFile(settings.privateKeyFile, 'private key (--private-key)'),
    settings.certFile === undefined ? undefined : readCredentialFile(settings.certFile, 'client certificate (--cert)'),
    settings.keyFile === undefined ? undefined : readCredentialFile(settings.keyFile, "client certificate's key (--key)"),
  ]);
  if (secret === undefined && privateKey === undefined && cert === undefined) {
    throw new UsageError(
      'No client credential. Set OAUTH_CCG_CLIENT_SECRET, or give --client-secret-file FILE, --client-secret-stdin, --private-key FILE, or --cert FILE --key FILE.',
    );
  }
  return { secret, privateKey, certificate: cert === undefined || key === undefined ? undefined : { cert, key } };
}

/** Reads `context.stdin` only for --client-secret-stdin: building the stream costs start-up time (see output.ts). */
async function readSecret(settings: ClientSettings, context: Pick<CommandContext, 'env' | 'stdin'>): Promise<string | undefined> {
  const source = settings.secret;
  if (source === undefined) return undefined;
  const secret =
    source.from === 'environment'
      ? context.env.OAUTH_CCG_CLIENT_SECRET
      : source.from === 'file'
        ? await readCredentialFile(source.path, 'client secret file')
        : await (await import('node:stream/consumers')).text(context.stdin);
  // A file or a pipe (echo, a heredoc) ends the secret with a newline that is not part of it.
  const trimmed = secret?.replace(/\r?\n$/, '');
  if (!trimmed) throw new UsageError(`The client secret from ${describe(source)} is empty.`);
  return trimmed;
}

function describe(source: NonNullable<ClientSettings['secret']>): string {
  return source.from === 'environment' ? 'OAUTH_CCG_CLIENT_SECRET' : source.from === 'file' ? source.path : 'standard input';
}

async function readCredentialFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}). Check the path and its permissions.`);
  }
}
