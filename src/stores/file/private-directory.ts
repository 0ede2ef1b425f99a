// The directory a file store keeps its files in: its own, and private to the user the process runs as.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../../errors.ts';
import { hasCode } from './if-present.ts';

/** Read, write and search for the owner only. */
const PRIVATE_DIRECTORY_MODE = 0o700;

/** Every permission bit of the group and of others. */
const GROUP_AND_OTHER_BITS = 0o077;

/**
 * Makes `directory` ready to hold tokens and answers its absolute path. A missing directory is created
 * (with its missing parents) and given mode 0700 whatever the umask. An existing one is refused unless it
 * is a real directory (not a symbolic link: whoever can replace a link can redirect the tokens; its parents
 * may be links), owned by the user this process runs as, with no permission for group or others.
 *
 * Synchronous, for a constructor: a directory that cannot be used safely is a `ConfigurationError` when
 * the application starts, rather than a store failure that the client would report and then quietly work
 * around on every call.
 *
 * On Windows, which has no user ids and keeps permissions in ACLs rather than mode bits, neither the owner
 * nor the mode is checked.
 */
export function preparePrivateDirectory(directory: string, storeName: string): string {
  const path = resolve(directory);
  let created: string | undefined;
  try {
    created = mkdirSync(path, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  } catch (cause) {
    // Something other than a directory has that name: the checks below say what.
    if (!hasCode(cause, 'EEXIST')) {
      throw new ConfigurationError(`${storeName}: cannot create the directory ${path} (${(cause as Error).message}); give one this user can create, or create it with mode 700.`, { cause });
    }
  }
  // mkdir's mode passes through the umask, which may take the owner's own write permission away.
  if (created !== undefined) chmodSync(path, PRIVATE_DIRECTORY_MODE);

  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) {
    throw new ConfigurationError(`${storeName}: ${path} is a symbolic link; give the directory itself, or a private directory of your own.`);
  }
  if (!stats.isDirectory()) throw new ConfigurationError(`${storeName}: ${path} exists and is not a directory.`);
  const uid = process.getuid?.();
  if (uid === undefined) return path;
  if (stats.uid !== uid) {
    throw new ConfigurationError(`${storeName}: ${path} is owned by user ${stats.uid}, not by this process's user ${uid}; use a directory of your own (or chown ${uid} ${path}).`);
  }
  if ((stats.mode & GROUP_AND_OTHER_BITS) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
    throw new ConfigurationError(`${storeName}: ${path} has mode ${mode}, so other users can see or change its tokens and locks; run chmod 700 ${path}.`);
  }
  return path;
}
