import type { ClientConfiguration, ClientCredentialsAuthCredentials } from './configuration.ts';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const REDACTED = '[redacted]';

/**
 * A frozen copy of a configuration, so that neither the caller nor anyone holding the client can change
 * it behind the client's back: URLs are kept as their text (a `URL` object stays mutable however frozen),
 * lists and the stored token as frozen copies. Its `JSON.stringify` and `util.inspect` forms replace the
 * client secret, the private key and the stored token with "[redacted]", so logging a configuration cannot leak them.
 */
export function frozenConfiguration(configuration: ClientConfiguration): Readonly<ClientConfiguration> {
  const credentials = configuration.clientCredentialsAuthCredentials;
  const frozenCredentials = withRedactedViews(
    {
      ...credentials,
      ...(credentials.oAuthScopes && { oAuthScopes: Object.freeze([...credentials.oAuthScopes]) }),
      ...(credentials.oAuthToken && { oAuthToken: Object.freeze({ ...credentials.oAuthToken }) }),
    },
    (view) => ({
      ...view,
      ...(view.oAuthClientSecret !== undefined && { oAuthClientSecret: REDACTED }),
      ...(view.oAuthPrivateKey !== undefined && { oAuthPrivateKey: REDACTED }),
      ...(view.oAuthToken !== undefined && { oAuthToken: REDACTED }),
    }),
  );
  const { baseUrl, tokenUrl } = configuration;
  return withRedactedViews(
    {
      ...configuration,
      ...(baseUrl instanceof URL && { baseUrl: baseUrl.href }),
      ...(tokenUrl instanceof URL && { tokenUrl: tokenUrl.href }),
      clientCredentialsAuthCredentials: frozenCredentials,
    },
    (view) => ({ ...view }),
  );
}

/** Freezes `target` after giving it `toJSON` and an inspect hook that both show `redact(target)` instead. */
function withRedactedViews<T extends ClientConfiguration | ClientCredentialsAuthCredentials>(target: T, redact: (view: T) => object): T {
  Object.defineProperties(target, {
    toJSON: { value: () => redact(target) },
    [INSPECT]: { value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => inspect(redact(target), options) },
  });
  return Object.freeze(target);
}
