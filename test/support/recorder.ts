// A plain HTTP server on 127.0.0.1 that records what reaches it: the witness for "this server received
// nothing" and "this request carried no token" assertions.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The body as it arrives: complete once the request has ended. */
  body: string;
}

export interface Recorder {
  url: string;
  requests: RecordedRequest[];
  /** Connections open now: a response whose body no one reads keeps its connection open. */
  readonly openConnections: number;
  close(): Promise<void>;
}

/** Answers 200 "ok" unless `respond` handles the request itself. */
export async function startRecorder(respond?: (req: IncomingMessage, res: ServerResponse) => void): Promise<Recorder> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization, body: '' };
    requests.push(record);
    req.on('data', (chunk: Buffer) => (record.body += chunk.toString()));
    if (respond) respond(req, res);
    else res.end('ok');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get openConnections() {
      return sockets.size;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
