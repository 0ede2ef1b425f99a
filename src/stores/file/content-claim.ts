// Compare-and-set on a file, between processes that share nothing but a directory.
//
// The file system has no "replace this file only if it still holds X". So every change to an existing file
// goes through a claim on the exact content it replaces: a file named `<file>.<version>.claim`, where the
// version is a digest of that content, created only where no such file is (see createExclusively). The
// one process whose claim appears re-reads the file, and if it still holds that content nothing else can
// change it until the claim is gone, because every other change to an existing file needs the same claim
// (the content has not changed), and creating the file fails while it exists. The read, the comparison and
// the write are then one step for every other process. Once the content has changed, a later claim on the
// old version finds it changed and backs off, so the claim file can go at once.
//
// A process that dies holding a claim would freeze the file for good; a claim therefore lapses after
// CLAIM_LIFETIME_MS (a change takes well under a millisecond). Removing a lapsed claim is itself a change
// under a claim, on the claim file: two processes that both find it lapsed cannot both remove it, which
// would let the second remove the fresh claim the first just made. A holder stopped for longer than the
// lifetime (SIGSTOP, a suspended machine) loses its exclusivity, as the holder of any lease does.
import { OAuthCcgError } from '../../errors.ts';
import { randomBase64Url, sha256Base64Url } from '../../keys/base64url.ts';
import { createExclusively } from './atomic-write.ts';
import { readIfPresent, removeIfPresent } from './if-present.ts';

/** How long a claim holds before another process may remove it as abandoned. */
export const CLAIM_LIFETIME_MS = 2_000;

/**
 * How deep claims on abandoned claims may go. Each level needs a process to die within the microseconds
 * it holds a claim, so a deeper stack is not bad luck but a directory someone else writes into.
 */
const MAX_CLAIM_NESTING = 3;

/** What a file held when it was read, and a digest of its exact bytes that names that content. */
export interface Snapshot {
  readonly text: string;
  readonly version: string;
}

/**
 * How {@link changeIfUnchanged} ended: `changed` ran the change; `moved` found the file changed since the
 * snapshot (read it again and decide again); `busy` found another process changing it (try again shortly).
 */
export type ClaimOutcome = 'changed' | 'moved' | 'busy';

/** The file at `path` as it is now, or `undefined` when there is none. */
export async function snapshotOf(path: string): Promise<Snapshot | undefined> {
  const bytes = await readIfPresent(path);
  if (bytes === undefined) return undefined;
  return { text: bytes.toString('utf8'), version: (await sha256Base64Url(bytes)).slice(0, 22) };
}

/**
 * Runs `change` (which replaces or removes the file at `path`) only while the file still holds what
 * `snapshot` saw, with no other process able to change it meanwhile.
 */
export async function changeIfUnchanged(path: string, snapshot: Snapshot, change: () => Promise<void>, nesting = 0): Promise<ClaimOutcome> {
  const claim = `${path}.${snapshot.version}.claim`;
  // A random part makes every claim's content, and so its own version, unique.
  if (!(await createExclusively(claim, `${Date.now() + CLAIM_LIFETIME_MS}\n${randomBase64Url(12)}\n`))) {
    await removeIfLapsed(claim, nesting + 1);
    return 'busy';
  }
  try {
    if ((await snapshotOf(path))?.version !== snapshot.version) return 'moved';
    await change();
    return 'changed';
  } finally {
    await removeIfPresent(claim);
  }
}

/** Removes the claim file at `claim` if its holder let it lapse, under a claim of its own. */
async function removeIfLapsed(claim: string, nesting: number): Promise<void> {
  const snapshot = await snapshotOf(claim);
  if (snapshot === undefined || !hasLapsed(snapshot.text)) return;
  if (nesting > MAX_CLAIM_NESTING) {
    throw new OAuthCcgError(`Abandoned claims nest more than ${MAX_CLAIM_NESTING} deep at ${claim}: remove the files ending in .claim from its directory.`);
  }
  await changeIfUnchanged(claim, snapshot, () => removeIfPresent(claim), nesting);
}

/** Whether a claim's lifetime (its first line) has passed; a claim that does not say counts as lapsed. */
function hasLapsed(claimText: string): boolean {
  const expiresAt = Number(claimText.slice(0, claimText.indexOf('\n')));
  return !(Date.now() < expiresAt);
}
