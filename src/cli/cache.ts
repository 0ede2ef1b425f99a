// The token cache: the library's FileTokenStore under $XDG_CACHE_HOME/oauth-ccg.
import type { OAuthEvent } from '../events.ts';
import type { TokenStore } from '../stores/token-store.ts';
import type { ClientSettings } from './settings.ts';

export interface TokenCache {
  readonly store: TokenStore;
  readonly onEvent: (event: OAuthEvent) => void;
}

/** Until FileTokenStore lands (issue 16), no cache: every command behaves as with --no-cache. */
export async function openCache(_env: NodeJS.ProcessEnv, _settings: ClientSettings): Promise<TokenCache | undefined> {
  return undefined;
}
