// Test harness: a real OAuth 2.0 authorization server (oidc-provider) and a
// small protected API that validates its tokens, both on 127.0.0.1.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientMetadata, Configuration, errors, KoaContext, Middleware, Provider } from 'oidc-provider';

export interface RegisteredClient { id: string; secret: string }

export interface TokenRequestRecord {
  clientId: string | undefined;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** The Authorization header as received. */
  rawAuthorization: string | undefined;
  /** The form body as received, without client_secret. */
  params: Record<string, string>;
  /** HTTP status the server answered. */
  status: number;
  /** The token issued, if any. */
  accessToken?: string;
}

export interface ApiRequestRecord {
  method: string;
  path: string;
  /** The Authorization header as received. */
  authorization: string | undefined;
  outcome: 'ok' | 'missing_token' | 'invalid_token' | 'insufficient_scope';
}

export interface AuthorizationServer {
  /** e.g. http://127.0.0.1:PORT */
  issuer: string;
  tokenUrl: string;
  /** Base URL of the protected API, with its path prefix: http://127.0.0.1:PORT2/api */
  apiUrl: string;
  clients: {
    /** Registered with client_secret_basic. */
    basic: RegisteredClient;
    /** Registered with client_secret_post. */
    post: RegisteredClient;
    /** client_secret_basic; id and secret contain `: % + & = /` and spaces. */
    special: RegisteredClient;
    /** client_secret_basic; its tokens live `shortTokenTtlSeconds`. */
    shortLived: RegisteredClient;
  };
  shortTokenTtlSeconds: number;
  tokenTtlSeconds: number;
  /** Every request to the token endpoint, in order. */
  tokenRequests: TokenRequestRecord[];
  /** Every request to the API, in order. */
  apiRequests: ApiRequestRecord[];
  /** Revoke (destroy) every access token issued so far, so the API answers 401 invalid_token for them. */
  revokeAllTokens(): Promise<void>;
  /** Add latency (ms) before the token endpoint answers (default 0). */
  setTokenEndpointDelay(ms: number): void;
  /** Forget recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export interface AuthorizationServerOptions {
  /** Default 300. */
  tokenTtlSeconds?: number;
  /** Default 2. */
  shortTokenTtlSeconds?: number;
}

const HOST = '127.0.0.1';
const TOKEN_PATH = '/token';
const API_PREFIX = '/api';
const SUPPORTED_SCOPE = 'read write';
/**
 * The resource indicator (RFC 8707) of the protected API. oidc-provider only
 * puts scopes other than the OpenID ones into a client_credentials token when
 * the request resolves to a resource server, so token requests default to this
 * one; any other `resource` is answered with invalid_target.
 */
export const API_RESOURCE = 'urn:oauth-ccg:api';

const CLIENTS = {
  basic: { id: 'basic-client', secret: 'basic-secret' },
  post: { id: 'post-client', secret: 'post-secret' },
  special: { id: 'svc: a%b+c&d=e/f g', secret: 'pw: a%b+c&d=e/f g' },
  shortLived: { id: 'short-lived-client', secret: 'short-lived-secret' },
} satisfies AuthorizationServer['clients'];

export async function startAuthorizationServer(
  options: AuthorizationServerOptions = {},
): Promise<AuthorizationServer> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 300;
  const shortTokenTtlSeconds = options.shortTokenTtlSeconds ?? 2;
  const ttlFor = (clientId: string): number =>
    clientId === CLIENTS.shortLived.id ? shortTokenTtlSeconds : tokenTtlSeconds;

  const tokenRequests: TokenRequestRecord[] = [];
  const apiRequests: ApiRequestRecord[] = [];
  // Kept apart from tokenRequests so that reset() does not spare tokens from revokeAllTokens().
  const issuedTokens = new Set<string>();
  let tokenEndpointDelay = 0;

  // The issuer must contain the port, so listen before creating the provider.
  const authServer = createServer();
  const issuer = await listen(authServer);
  const provider = await createProvider(issuer, ttlFor);
  provider.use(recordTokenRequests(() => tokenEndpointDelay, (record) => {
    tokenRequests.push(record);
    if (record.accessToken !== undefined) issuedTokens.add(record.accessToken);
  }));
  authServer.on('request', provider.callback());

  const apiServer = createServer(apiHandler(provider, apiRequests));
  const apiOrigin = await listen(apiServer);

  return {
    issuer,
    tokenUrl: new URL(TOKEN_PATH, issuer).href,
    apiUrl: `${apiOrigin}${API_PREFIX}`,
    clients: structuredClone(CLIENTS),
    shortTokenTtlSeconds,
    tokenTtlSeconds,
    tokenRequests,
    apiRequests,
    async revokeAllTokens() {
      const tokens = await Promise.all([...issuedTokens].map((value) => provider.ClientCredentials.find(value)));
      await Promise.all(tokens.map((token) => token?.destroy()));
      issuedTokens.clear();
    },
    setTokenEndpointDelay(ms) {
      tokenEndpointDelay = ms;
    },
    reset() {
      // Empty in place: callers may hold references to these arrays.
      tokenRequests.length = 0;
      apiRequests.length = 0;
    },
    async close() {
      await Promise.all([closeServer(authServer), closeServer(apiServer)]);
    },
  };
}

function providerConfiguration(
  ttlFor: (clientId: string) => number,
  InvalidTarget: typeof errors.InvalidTarget,
): Configuration {
  return {
    clients: [
      clientMetadata(CLIENTS.basic, 'client_secret_basic'),
      clientMetadata(CLIENTS.post, 'client_secret_post'),
      clientMetadata(CLIENTS.special, 'client_secret_basic'),
      clientMetadata(CLIENTS.shortLived, 'client_secret_basic'),
    ],
    // Client metadata may only name scopes the provider knows.
    scopes: SUPPORTED_SCOPE.split(' '),
    routes: { token: TOKEN_PATH },
    // Requests carrying an Origin header (browsers, some HTTP clients) would
    // otherwise be refused with a printed notice; any origin may call these test clients.
    clientBasedCORS: () => true,
    // This function alone decides the lifetime: a resource server's
    // accessTokenTTL is only read by the default one, which prints a notice.
    ttl: { ClientCredentials: (_ctx, _token, client) => ttlFor(client.clientId) },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => API_RESOURCE,
        async getResourceServerInfo(_ctx, resource) {
          if (resource !== API_RESOURCE) throw new InvalidTarget();
          return { scope: SUPPORTED_SCOPE, accessTokenFormat: 'opaque' };
        },
      },
    },
  };
}

function clientMetadata(
  client: RegisteredClient,
  method: 'client_secret_basic' | 'client_secret_post',
): ClientMetadata {
  return {
    client_id: client.id,
    client_secret: client.secret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    scope: SUPPORTED_SCOPE,
    token_endpoint_auth_method: method,
  };
}

/** Imports and constructs the provider without its startup notices and warnings. */
async function createProvider(issuer: string, ttlFor: (clientId: string) => number): Promise<Provider> {
  const { info, warn } = console;
  console.info = console.warn = () => {};
  try {
    // Imported here, not at the top, because importing it already warns on Node 20.
    const { Provider, errors } = await import('oidc-provider');
    return new Provider(issuer, providerConfiguration(ttlFor, errors.InvalidTarget));
  } finally {
    console.info = info;
    console.warn = warn;
  }
}

/** Koa middleware that delays and records token endpoint requests. */
function recordTokenRequests(
  delay: () => number,
  record: (entry: TokenRequestRecord) => void,
): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== TOKEN_PATH) return next();
    const ms = delay();
    if (ms > 0) await sleep(ms);
    await next();
    // Recorded before Koa writes the response, so a client never sees an answer that is not yet recorded.
    record(describeTokenRequest(ctx));
  };
}

function describeTokenRequest(ctx: KoaContext): TokenRequestRecord {
  const { client_secret: clientSecret, ...params } = flattenForm(ctx.oidc?.body ?? {});
  const rawAuthorization = ctx.headers.authorization;
  // oidc-provider accepts either method whatever the client registered, so look at what was sent.
  const authMethod = rawAuthorization !== undefined
    ? 'client_secret_basic'
    : clientSecret !== undefined ? 'client_secret_post' : 'none';
  const accessToken = ctx.status === 200 ? accessTokenOf(ctx.body) : undefined;
  return {
    clientId: ctx.oidc?.client?.clientId ?? params.client_id,
    authMethod,
    rawAuthorization,
    params,
    status: ctx.status,
    ...(accessToken === undefined ? {} : { accessToken }),
  };
}

/** Records a repeated field (oidc-provider rejects repeats, except of `resource`) by its last value. */
function flattenForm(body: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(body).map(([name, value]) => [name, Array.isArray(value) ? value.at(-1) ?? '' : value]),
  );
}

function accessTokenOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('access_token' in body)) return undefined;
  return typeof body.access_token === 'string' ? body.access_token : undefined;
}

type Authentication =
  | { outcome: 'missing_token' }
  | { outcome: 'invalid_token'; description: string }
  | { outcome: 'ok'; clientId: string; scope: string };

/** Validates the request's bearer token against the provider's token store. */
async function authenticate(provider: Provider, authorization: string | undefined): Promise<Authentication> {
  const value = /^Bearer +(\S+) *$/i.exec(authorization ?? '')?.[1];
  if (value === undefined) return { outcome: 'missing_token' };
  const token = await provider.ClientCredentials.find(value);
  if (token === undefined) return { outcome: 'invalid_token', description: 'the access token is unknown or revoked' };
  // find() tolerates clock skew (15 s by default); the API must not.
  if (token.isExpired) return { outcome: 'invalid_token', description: 'the access token expired' };
  return { outcome: 'ok', clientId: token.clientId, scope: token.scope ?? '' };
}

function apiHandler(provider: Provider, apiRequests: ApiRequestRecord[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    serveApi(provider, apiRequests, req, res).catch((error: unknown) => {
      sendJson(res, 500, { error: 'server_error', error_description: String(error) });
    });
  };
}

async function serveApi(
  provider: Provider,
  apiRequests: ApiRequestRecord[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = new URL(req.url ?? '/', 'http://api').pathname;
  const { authorization } = req.headers;
  const auth = await authenticate(provider, authorization);
  const route = `${method} ${path}`;
  const lacksWrite = auth.outcome === 'ok' && route === `GET ${API_PREFIX}/write`
    && !auth.scope.split(' ').includes('write');
  apiRequests.push({ method, path, authorization, outcome: lacksWrite ? 'insufficient_scope' : auth.outcome });

  if (auth.outcome === 'missing_token') {
    res.setHeader('WWW-Authenticate', 'Bearer realm="api"');
    return sendJson(res, 401, { error: 'missing_token' });
  }
  if (auth.outcome === 'invalid_token') {
    res.setHeader('WWW-Authenticate', `Bearer realm="api", error="invalid_token", error_description="${auth.description}"`);
    return sendJson(res, 401, { error: 'invalid_token', error_description: auth.description });
  }
  if (lacksWrite) {
    res.setHeader('WWW-Authenticate', 'Bearer error="insufficient_scope", scope="write"');
    return sendJson(res, 403, { error: 'insufficient_scope' });
  }

  switch (route) {
    case `GET ${API_PREFIX}/whoami`:
      return sendJson(res, 200, { clientId: auth.clientId, scope: auth.scope });
    case `GET ${API_PREFIX}/write`:
      return sendJson(res, 200, { written: true });
    case `POST ${API_PREFIX}/echo`:
      return echo(req, res);
    default:
      return sendJson(res, 404, { error: 'not_found' });
  }
}

/** Answers with the request body and content-type, so tests can check that a retried request replays its body. */
async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) res.setHeader('Content-Type', contentType);
  res.writeHead(200).end(Buffer.concat(chunks));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://${HOST}:${port}`;
}

async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
  });
  // close() alone waits for keep-alive connections that clients leave open.
  server.closeAllConnections();
  await closed;
}
