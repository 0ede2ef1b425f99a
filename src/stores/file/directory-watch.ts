// Wake-ups for a file store: one fs.watch on its directory, shared by every listener, which tells the
// listeners of a file name when a file of that name appears or is replaced (created, renamed or linked
// into place). Every write of the store ends in such an event.
//
// Best effort by design: a waiter also polls, so a wake-up that does not come (a platform without file
// events, an inotify limit reached, a watcher that failed) only makes it wait for its next poll, and a
// wake-up that comes for nothing (another event on the same name, a platform that gives no name) only
// makes it read the store once more.
import { watch, type FSWatcher } from 'node:fs';

export class DirectoryWatch {
  readonly #directory: string;
  readonly #listeners = new Map<string, Set<() => void>>();
  #watcher: FSWatcher | undefined;

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** Calls `listener` after changes to the file named `fileName`, until the function it returns is called. */
  add(fileName: string, listener: () => void): () => void {
    let listeners = this.#listeners.get(fileName);
    if (!listeners) this.#listeners.set(fileName, (listeners = new Set()));
    const own = () => listener();
    listeners.add(own);
    this.#watcher ??= this.#startWatching();
    return () => {
      listeners.delete(own);
      if (listeners.size === 0 && this.#listeners.get(fileName) === listeners) this.#listeners.delete(fileName);
      if (this.#listeners.size === 0) this.#stopWatching();
    };
  }

  #startWatching(): FSWatcher | undefined {
    try {
      // Not persistent: waiting for a token never keeps a process alive.
      const watcher = watch(this.#directory, { persistent: false }, (_event, name) => this.#notify(name));
      // Without a listener an 'error' event would crash the process; the next add() watches afresh.
      watcher.on('error', () => this.#stopWatching());
      return watcher;
    } catch {
      return undefined;
    }
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #notify(name: string | null): void {
    const names = name === null ? [...this.#listeners.keys()] : [name];
    for (const listener of names.flatMap((each) => [...(this.#listeners.get(each) ?? [])])) listener();
  }
}
