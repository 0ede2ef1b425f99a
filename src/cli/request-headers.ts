// The headers that authorize one request, for the commands that hand them to something else (header,
// curl). A Bearer token needs no request; a DPoP proof is made for one method and URL (RFC 9449 §4.2),
// so with --dpop the request must be named: --url, and -X unless it is a GET.
import type { OptionReader } from './settings.ts';
import { UsageError } from './exit-codes.ts';
import type { Session } from './session.ts';

/** `{ authorization }`, and `{ dpop }` with a DPoP token. */
export async function requestHeaders(session: Session, options: OptionReader): Promise<Record<string, string>> {
  const target = options.get('url');
  const method = options.get('request') ?? 'GET';
  const manager = session.client.clientCredentialsAuthManager;
  if (target === undefined) {
    if (session.settings.dpop) throw new UsageError('--dpop needs --url URL (and -X METHOD unless GET): each DPoP proof is made for one request.');
    const token = await manager.getToken();
    return { authorization: `${token.tokenType} ${token.accessToken}` };
  }
  if (!URL.canParse(target)) throw new UsageError('--url must be an absolute URL, e.g. https://api.example.com/things.');
  return manager.authorizationHeaders(method.toUpperCase(), target);
}
