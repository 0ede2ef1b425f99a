// Scopes: request only what the application needs. The scopes go into the token request,
// space-delimited; a client that asks for a different set gets a different token.
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

/** The scopes this API defines (the SDKs' OAuthScopeEnum). */
const OAuthScope = { ReadScope: 'read', WriteScope: 'write' } as const;

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
    oAuthScopes: [OAuthScope.ReadScope, OAuthScope.WriteScope],
  },
});

const response = await client.fetch('/write');
console.log('write call:', response.status, 'granted scope:', client.clientCredentialsAuthManager.token?.scope);

const readOnly = client.withConfiguration({
  clientCredentialsAuthCredentials: { oAuthScopes: [OAuthScope.ReadScope] },
});
console.log('read-only write call:', (await readOnly.fetch('/write')).status);
