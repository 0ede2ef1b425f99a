// Files that appear whole or not at all. Every file is first written under a random name beside its
// target and only then given its real name, by rename (replacing what was there) or by link (only where
// nothing is): a reader never sees a half-written file, and a lock file is never seen empty, which would
// look like a broken lock that anyone may take.
//
// No fsync: these files are a cache. A machine that crashes may come back with the last write lost or a
// file empty; an unreadable file counts as absent, and a lost token costs one token request, which is less
// than what an fsync on every renewal of every process would cost.
import { dirname, join } from 'node:path';
import { randomBase64Url } from '../../keys/base64url.ts';
import { link, rename, writeFile } from './file-system.ts';
import { hasCode, removeIfPresent } from './if-present.ts';

/**
 * Read and write for the owner only, given when the file is created (not left to the umask, and not
 * changed afterwards): there is no moment in which another user could open it. Rename and link keep the
 * file, so the final file has the mode its temporary had.
 */
const PRIVATE_FILE_MODE = 0o600;

/** Creates `target` holding `contents` only if no file has that name; resolves to whether it did. */
export async function createExclusively(target: string, contents: string): Promise<boolean> {
  const temporary = await writeBeside(target, contents);
  try {
    await link(temporary, target);
    return true;
  } catch (error) {
    if (hasCode(error, 'EEXIST')) return false;
    throw error;
  } finally {
    await removeIfPresent(temporary);
  }
}

/** Makes `target` hold `contents`, replacing the file there, in one step that readers see whole. */
export async function replaceAtomically(target: string, contents: string): Promise<void> {
  const temporary = await writeBeside(target, contents);
  try {
    await rename(temporary, target);
  } catch (error) {
    await removeIfPresent(temporary);
    throw error;
  }
}

/**
 * Writes `contents` to a new file in `target`'s directory (rename and link work within one file system)
 * and answers its path. The name starts with a dot and ends in `.tmp`, which no store file does.
 */
async function writeBeside(target: string, contents: string): Promise<string> {
  const temporary = join(dirname(target), `.${randomBase64Url(12)}.tmp`);
  try {
    await writeFile(temporary, contents, { encoding: 'utf8', flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (error) {
    // A write that failed part-way (a full disk) leaves the file it created; one that could not create it left none.
    if (!hasCode(error, 'EEXIST')) await removeIfPresent(temporary);
    throw error;
  }
  return temporary;
}
