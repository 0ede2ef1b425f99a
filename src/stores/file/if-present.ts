// File operations for which a missing file is an answer, not an error: another process may remove any
// file of the store's directory at any moment, and that is part of the protocol.
import { readFile, unlink } from './file-system.ts';

/** The bytes of the file at `path`, or `undefined` when there is no such file. */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/** Removes the file at `path`; a file already gone is fine. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!hasCode(error, 'ENOENT')) throw error;
  }
}

/** Whether `error` is a Node system error with this `code` (`ENOENT`, `EEXIST`, …). */
export function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
