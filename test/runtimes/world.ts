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
}

export type Outcome = 'passed' | 'failed' | 'unsupported';

export interface ScenarioResult {
  scenario: string;
  outcome: Outcome;
  /** Why it failed, or why this runtime cannot run it. */
  detail?: string;
  ms: number;
}
