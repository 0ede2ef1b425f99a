// Test harness: a deliberately misbehaving token endpoint, plain node:http on 127.0.0.1. (The API and the
// bystander that must hear nothing are ./recorder.ts.)
//
//   const server = await startFaultServer();
//   server.respondWith(status(503, 'busy', { 'retry-after': '1' }), reset());  // the next two requests,
//   ...                                                                        // then healthy tokens again
//   server.requests.length; server.issued; await server.close();
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the token endpoint does with one request. Build them with the helpers below. */
export type Behaviour =
  /** A healthy answer: `{access_token: 'tok-<n>', token_type: 'Bearer', expires_in: 3600}`. */
  | { readonly kind: 'token' }
  | { readonly kind: 'respond'; readonly status: number; readonly body: string; readonly headers: Readonly<Record<string, string>> }
  /** Never answer; with `afterHeaders`, send the status line and headers, then stall mid-body. */
  | { readonly kind: 'hang'; readonly afterHeaders: boolean }
  /** Destroy the connection without answering. */
  | { readonly kind: 'reset' }
  /** A 200 with `bytes` bytes of body, with or without a Content-Length announcing it. */
  | { readonly kind: 'large'; readonly bytes: number; readonly declareLength: boolean }
  | { readonly kind: 'delay'; readonly ms: number; readonly then: Behaviour };

export const healthy = (): Behaviour => ({ kind: 'token' });

export const status = (code: number, body = '', headers: Record<string, string> = {}): Behaviour => ({
  kind: 'respond',
  status: code,
  body,
  headers: { 'content-type': 'text/plain', ...headers },
});

/** A JSON answer; `body` is sent as it is when it is a string (to send broken JSON), else serialised. */
export const json = (code: number, body: unknown, headers: Record<string, string> = {}): Behaviour => ({
  kind: 'respond',
  status: code,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

export const redirect = (location: string, code = 302): Behaviour => status(code, '', { location });
export const hang = (options: { afterHeaders?: boolean } = {}): Behaviour => ({ kind: 'hang', afterHeaders: options.afterHeaders ?? false });
export const reset = (): Behaviour => ({ kind: 'reset' });
export const largeBody = (bytes: number, options: { declareLength?: boolean } = {}): Behaviour => ({
  kind: 'large',
  bytes,
  declareLength: options.declareLength ?? true,
});
export const delay = (ms: number, then: Behaviour = healthy()): Behaviour => ({ kind: 'delay', ms, then });

export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface HttpServerHandle {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order, recorded as soon as its body has arrived. */
  readonly requests: RecordedRequest[];
  /** Destroys every open connection (hanging ones included) and stops listening. */
  close(): Promise<void>;
}

export interface FaultServer extends HttpServerHandle {
  /** The token endpoint: `<origin>/token`. Any path is answered the same way. */
  readonly url: string;
  /** The access tokens of the healthy answers sent so far, in order. */
  readonly issued: string[];
  /** Queues behaviours, one per request in order; once they are used up every request gets `otherwise` (a healthy token). */
  respondWith(...behaviours: Behaviour[]): void;
  /** How many queued behaviours have not been used yet. */
  readonly pending: number;
}

export interface FaultServerOptions {
  /** What a request gets once the queued behaviours are used up; default a healthy token. */
  readonly otherwise?: (origin: string) => Behaviour;
}

/** Runs `run` with a fault server (healthy unless told otherwise), closed afterwards whatever happens. */
export async function withFaultServer(run: (server: FaultServer) => Promise<void>): Promise<void> {
  const server = await startFaultServer();
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const otherwise = options.otherwise ?? healthy;
  const queue: Behaviour[] = [];
  const issued: string[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const act = (behaviour: Behaviour, request: IncomingMessage, response: ServerResponse): void => {
    switch (behaviour.kind) {
      case 'token': {
        const accessToken = `tok-${issued.length + 1}`;
        issued.push(accessToken);
        const body = JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
        return;
      }
      case 'respond':
        response.writeHead(behaviour.status, behaviour.headers).end(behaviour.body);
        return;
      case 'hang':
        // Holding the response open is all it takes; close() destroys the socket.
        if (behaviour.afterHeaders) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"access_token": "stalled-');
        }
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'large': {
        const headers: Record<string, string | number> = { 'content-type': 'application/json' };
        if (behaviour.declareLength) headers['content-length'] = behaviour.bytes;
        response.writeHead(200, headers);
        // A JSON string that never closes within the cap: only the size can make it fail.
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let left = behaviour.bytes;
        const pump = (): void => {
          while (left > 0 && !response.destroyed) {
            const piece = chunk.subarray(0, Math.min(chunk.length, left));
            left -= piece.length;
            if (left === 0) response.end(piece);
            else if (!response.write(piece)) {
              response.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
      case 'delay': {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!response.destroyed) act(behaviour.then, request, response);
        }, behaviour.ms);
        timers.add(timer);
        return;
      }
    }
  };

  const handle: HttpServerHandle = await listen((request, response) => act(queue.shift() ?? otherwise(handle.origin), request, response), () => {
    for (const timer of timers) clearTimeout(timer);
  });
  return {
    ...handle,
    url: `${handle.origin}/token`,
    issued,
    respondWith: (...behaviours) => void queue.push(...behaviours),
    get pending() {
      return queue.length;
    },
  };
}

/** Starts a loopback server that records each request (once its body is in) before handing it to `respond`. */
async function listen(respond: (request: IncomingMessage, response: ServerResponse) => void, onClose = (): void => {}): Promise<HttpServerHandle> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    // A client that gives up mid-answer (a timeout, a body over the cap) makes writes fail: expected here.
    response.on('error', () => {});
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('error', () => {});
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(request, response);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      onClose();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
