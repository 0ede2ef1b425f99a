/** The common shape of every library under test, and the little they share. */

/** What a contender is given to build a client: the local servers and fresh credentials. */
export interface Env {
  apiOrigin: string;
  tokenUrl: string;
  /** Unique per client built, so the token server can attribute every token request to it. */
  clientId: string;
  clientSecret: string;
  scope: string;
  /** A long-lived token the servers accept, for the fixed-header floor. */
  issueFixedToken(): Promise<string>;
}

/** One client of one library, ready to make calls. */
export interface Instance {
  /**
   * One API call for `callId`, made the way the library's documentation shows. Resolves with the
   * HTTP status; rejects where the library itself throws (on a 401, on a failed token request...).
   */
  call(callId: string): Promise<number>;
  /** Stops background work (renewal timers) so an old client cannot disturb later measurements. */
  close?(): void | Promise<void>;
}

/** What a library does for its caller, read from its source; the report states what is missing. */
export interface Capabilities {
  /** Obtains tokens itself (false only for the fixed-header floor). */
  fetchesTokens: boolean;
  /** Reuses one token across calls. */
  reusesToken: boolean;
  /** On a 401 from the API, fetches a new token and repeats the call. */
  retriesOn401: boolean;
  /** Repeats a token request that failed with a 5xx, a 429 or a network error. */
  retriesTokenRequest: boolean;
}

export interface Contender {
  name: string;
  /**
   * The library the report is about, a fixed-header floor, one of the libraries compared, or the library
   * with an option or an adapter whose cost is per call (DPoP, axios), measured in the overhead scenario only.
   */
  role: 'subject' | 'floor' | 'peer' | 'variant';
  /** npm packages whose versions the report lists. */
  packages: string[];
  /** How the library is driven, for the report: which documented pattern and which options. */
  usage: string;
  capabilities: Capabilities;
  /**
   * For a library built on another HTTP client than fetch (axios): the name of that client's fixed-token
   * floor, against which the overhead scenario gives the library's calls per second too, so that the
   * client's own cost is not counted as the library's.
   */
  baseline?: string;
  create(env: Env): Promise<Instance>;
}

/**
 * The status of a fetch Response, after reading the body: a call is only over once its body has
 * arrived, and an unread body would keep the connection from going back to the pool.
 */
export async function statusOf(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

/** A GET with a bearer token, for libraries that hand out a token and leave the call to the user. */
export async function bearerGet(url: string, token: string, signal?: AbortSignal): Promise<number> {
  return statusOf(await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal }));
}
