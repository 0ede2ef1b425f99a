import { firstMessage, forkTs } from '../fork.ts';
import type { ControlReply, ControlRequest, ServerControl, ServersReady } from './protocol.ts';

/** {@link ServerControl} as seen from the bench process: every operation is a round trip. */
export type RemoteControl = {
  [M in keyof ServerControl]: (...args: Parameters<ServerControl[M]>) => Promise<ReturnType<ServerControl[M]>>;
};

export interface Servers {
  tokenUrl: string;
  apiOrigin: string;
  control: RemoteControl;
  stop(): void;
}

/** Starts the token endpoint and the protected API in a child process and connects to it. */
export async function startServers(clientSecret: string): Promise<Servers> {
  const child = forkTs(new URL('./process.ts', import.meta.url), [clientSecret]);
  const { ready } = await firstMessage<ServersReady>(child);
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;

  child.on('message', (reply: ControlReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if ('error' in reply) waiter?.reject(new Error(reply.error));
    else waiter?.resolve(reply.result);
  });

  const control = new Proxy({} as RemoteControl, {
    get: (_, method) => (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.send({ id, method, args } as ControlRequest);
      }),
  });
  return { ...ready, control, stop: () => void child.kill() };
}
