// The command's output on stdout. Most of it is one short write (a token, a header line), which goes out
// as one write(2) on file descriptor 1: process.stdout would first build a Node stream, and loading
// Node's stream modules for it takes about 3 ms of a cached `oauth-ccg token`, whose whole budget is a
// few milliseconds over Node's own start (the bench measures it). A descriptor that cannot take a write
// at once (a non-blocking pipe that is full) hands over to process.stdout, which waits for room.
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { hasCode } from '../stores/file/if-present.ts';

/** Where a command writes its output, and nothing else. */
export interface Output {
  /** Resolves once `chunk` is written, or taken by a stream with room for more. */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Whether everything written has left the process (no stream holds any of it). */
  readonly flushed: boolean;
}

const STDOUT = 1;

/** The process's stdout. A reader that stops early (`oauth-ccg fetch … | head -1`) ends the process quietly. */
export function standardOutput(): Output {
  let stream: NodeJS.WriteStream | undefined;
  return {
    get flushed() {
      return stream === undefined || stream.writableLength === 0;
    },
    async write(chunk) {
      let bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (stream === undefined) {
        try {
          while (bytes.length > 0) bytes = bytes.subarray(writeSync(STDOUT, bytes));
          return;
        } catch (error) {
          if (!hasCode(error, 'EAGAIN')) return readerGoneOr(error);
          stream = process.stdout.on('error', readerGoneOr);
        }
      }
      if (!stream.write(bytes)) await once(stream, 'drain');
    },
  };
}

/** Not a failure of this command when the reader is gone (EPIPE): exits with the status so far. */
function readerGoneOr(error: unknown): never {
  if (hasCode(error, 'EPIPE')) process.exit(process.exitCode ?? 0);
  throw error;
}
