/** What the bench process and the server process say to each other over IPC. */
import type { JWK } from 'jose';

/**
 * Every library calls `/v2/checkout/orders/<call id>`: a path the PayPal SDK can reach with a plain
 * GET (`getOrder`), so all of them make the same request. The call id lets the API's records be
 * matched with the calls the bench timed.
 */
export function apiPath(callId: string): string {
  return `/v2/checkout/orders/${callId}`;
}

export interface ServerSettings {
  /** How long the token endpoint holds each request before answering. */
  tokenLatencyMs: number;
  /** The `expires_in` of issued tokens; the API enforces it to the millisecond. */
  tokenLifetimeSeconds: number;
  /** How long the API holds each request before answering. */
  apiLatencyMs: number;
  /** Whether the API keeps a {@link CallRecord} per request (only the rollover scenario needs them). */
  recordCalls: boolean;
}

export interface TokenRequestRecord {
  clientId: string;
  arrivedAt: number;
  answeredAt: number;
  status: number;
}

/** One API request, keyed by the call id that is the last segment of its path. */
export interface CallRecord {
  callId: string;
  /** When the token the request carried was issued, or NaN if the API refused it. */
  tokenIssuedAt: number;
  status: number;
}

/** The operations the bench can ask of the server process. */
export interface ServerControl {
  configure(settings: Partial<ServerSettings>): void;
  /** The next `count` token requests are answered with `status` (after the usual latency). */
  failNextTokenRequests(count: number, status: number): void;
  /** Token requests still to be failed; 0 once the endpoint has recovered. */
  pendingFailures(): number;
  /** Every token issued so far becomes invalid at the API. */
  revokeAll(): void;
  /** Client assertions (private_key_jwt) signed by the private half of this public JWK (with its `alg`) are accepted. */
  trustAssertionKey(jwk: JWK & { alg: string }): void;
  /** A day-long token for the fixed-header floor, not counted as a token request. */
  issueFixedToken(clientId: string): string;
  tokenRequests(clientId: string): TokenRequestRecord[];
  callRecords(): CallRecord[];
  clearRecords(): void;
}

export type ControlRequest = {
  [M in keyof ServerControl]: { id: number; method: M; args: Parameters<ServerControl[M]> };
}[keyof ServerControl];

export type ControlReply = { id: number; result: unknown } | { id: number; error: string };

export interface ServersReady {
  ready: { tokenUrl: string; apiOrigin: string };
}
