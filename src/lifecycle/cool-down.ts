const FIRST_PAUSE_MS = 1_000;
const LONGEST_PAUSE_MS = 30_000;

/**
 * A pause that grows while the same trouble repeats: 1 s after the first time, doubling each time after,
 * at most 30 s. For the places where asking again at once can only fail again, at the token endpoint's
 * expense: after a token request that will not succeed as it stands, and after an API that refuses even a
 * freshly issued token. It keeps no timer: it is only ever asked whether it is over.
 */
export class CoolDown {
  #streak = 0;
  #until = 0;

  /** Starts the next pause at `now` (epoch ms); returns its length in ms. */
  start(now: number): number {
    const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.min(this.#streak, 5));
    this.#streak += 1;
    this.#until = now + pause;
    return pause;
  }

  /** Whether the pause started last is still running at `now`. */
  active(now: number): boolean {
    return now < this.#until;
  }

  /** The trouble is over: the next pause is the shortest again. */
  reset(): void {
    this.#streak = 0;
    this.#until = 0;
  }
}
