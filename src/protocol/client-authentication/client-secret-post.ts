import type { ClientAuthentication } from './client-authentication.ts';

/** client_secret_post: the id and secret as form parameters of the request body (RFC 6749 §2.3.1). */
export function clientSecretPost(clientId: string, clientSecret: string): ClientAuthentication {
  return {
    method: 'client_secret_post',
    clientId,
    secrets: [clientSecret],
    apply: ({ body }) => {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    },
  };
}
