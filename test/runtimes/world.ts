/** What a conformance run is given: the servers on loopback, under Node, that every runtime talks to. */
export interface World {
  /** oidc-provider's token endpoint. */
  tokenUrl: string;
  /** The protected API, which accepts oidc-provider's tokens. */
  apiUrl: string;
  /** The control server (./control-server.ts): counts, revocation, a failing token endpoint, a silent API. */
  control: string;
  client: { id: string; secret: string };
  /** A client whose tokens live `ttlSeconds`. */
  shortLived: { id: string; secret: string; ttlSeconds: number };
  /** oidc-provider's issuer identifier: its discovery documents (RFC 8414, OpenID) are served under it. */
  issuer: string;
  /** A private_key_jwt client registered with the public half of an ES256 key, given here as a private JWK and as a PKCS#8 PEM. */
  privateKeyJwt: { id: string; kid: string; jwk: { kty: string; [parameter: string]: unknown }; pem: string };
  /**
   * The https token endpoint and API that take client certificates (RFC 8705), a tls_client_auth client's
   * certificate (PEM), and `nodeModule`: the URL of oauth-ccg/node bundled for Node, which has mtlsFetch.
   */
  mtls: { tokenUrl: string; apiUrl: string; clientId: string; cert: string; key: string; ca: string; nodeModule: string };
  /** oauth-ccg/node's mtlsFetch, added by the entry where it runs (Node only); absent elsewhere. */
  mtlsFetch?: typeof import('oauth-ccg/node').mtlsFetch;
  /** oauth-ccg/file bundled (`module`, a URL), and a scratch directory the runtime may write in. */
  fileStore: { module: string; directory: string };
  /** oauth-ccg/file's FileTokenStore, added by the entry where there is a file system (Node, Bun, Deno); absent elsewhere. */
  FileTokenStore?: typeof import('oauth-ccg/file').FileTokenStore;
  /**
   * axios and undici from npm, each bundled for Node (URLs), as Node, Bun and Deno load them: ./main.ts
   * imports them there. The Worker bundles axios's browser build instead (./worker.ts), and has no undici.
   */
  libraries: { axios: string; undici: string };
  /** axios, added by every entry: its Node build (the http adapter) on Node, Bun and Deno, its browser build (the fetch adapter) on workerd. */
  axios?: typeof import('axios').default;
  /** undici, added by the entry where it runs (Node, Bun, Deno); absent on workerd. */
  undici?: typeof import('undici');
}

export type Outcome = 'passed' | 'failed' | 'unsupported';

export interface ScenarioResult {
  scenario: string;
  outcome: Outcome;
  /** Why it failed, or why this runtime cannot run it. */
  detail?: string;
  ms: number;
}
