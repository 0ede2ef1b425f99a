import { fork, type ChildProcess } from 'node:child_process';

/** Forks a TypeScript module under the same loader (tsx) as this process, with structured-clone IPC. */
export function forkTs(module: URL, args: readonly string[] = [], nodeFlags: readonly string[] = []): ChildProcess {
  return fork(module, args, { execArgv: [...nodeFlags, '--import', import.meta.resolve('tsx')], serialization: 'advanced' });
}

/** The first message a child sends; rejects if it exits before sending one. */
export function firstMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the child process exited with code ${code} before reporting`)));
    child.once('message', (message: T) => resolve(message));
  });
}
