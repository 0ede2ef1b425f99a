// The file operations the store and the command line use, as promises made from node:fs's callback
// functions. node:fs/promises would do, but loading it loads Node's streams and readline with it: about
// 2 ms, which a cached `oauth-ccg token` (whose whole budget is a few milliseconds over Node's own start)
// cannot spare. node:fs itself is loaded before any program runs.
import { link as linkCallback, readdir as readdirCallback, readFile as readFileCallback, rename as renameCallback, rm as rmCallback, unlink as unlinkCallback, writeFile as writeFileCallback } from 'node:fs';
import { promisify } from 'node:util';

export const readFile = promisify(readFileCallback);
export const writeFile = promisify(writeFileCallback);
export const readdir = promisify(readdirCallback);
export const link = promisify(linkCallback);
export const rename = promisify(renameCallback);
export const unlink = promisify(unlinkCallback);
export const rm = promisify(rmCallback);
