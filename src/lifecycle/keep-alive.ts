/**
 * Whether pending work holds the process open. The library's own waits (retry sleeps, deadlines) never do:
 * background work must not keep a finished program running. But a caller who awaits a token must not
 * see the process exit under it during such a sleep, so each awaited request holds the process open while
 * it lasts, through one ref'd timer shared by all of them (Node, Bun and Deno keep running while a timer is
 * pending; elsewhere this costs an idle interval).
 */

let waiting = 0;
let holder: ReturnType<typeof setInterval> | undefined;

/** `promise`, with the process kept alive until it settles. */
export function keepingAlive<T>(promise: Promise<T>): Promise<T> {
  if (waiting++ === 0) holder = setInterval(() => {}, 2 ** 31 - 1);
  return promise.finally(() => {
    if (--waiting === 0) clearInterval(holder);
  });
}

/** Lets the process exit while only `timer` is pending (a no-op where timers are plain numbers). */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

/** A sleep that never holds the process open. */
export function backgroundSleep(ms: number): Promise<void> {
  return new Promise((resolve) => unref(setTimeout(resolve, ms)));
}
