// What a user writes, type-checked and run by every scratch consumer project (ES module or CommonJS,
// moduleResolution node16, nodenext or bundler) against the installed tarball.
import axios from 'axios';
import { Agent, request } from 'undici';
import { Client, OAuthCcgError, type ClientConfiguration, type OAuthEvent, type OAuthToken } from 'oauth-ccg';
import { openTelemetryListener } from 'oauth-ccg/otel';
import { attachClient } from 'oauth-ccg/axios';
import { oauthInterceptor } from 'oauth-ccg/undici';

export interface ServerUnderTest {
  tokenUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
}

/** One real API call through the package; answers with what the API saw. */
export async function callApi(server: ServerUnderTest): Promise<{ status: number; clientId: string; tokenType: string; events: OAuthEvent['type'][] }> {
  const events: OAuthEvent['type'][] = [];
  // With no OpenTelemetry SDK registered, the global providers record nothing: the listener must still be harmless.
  const telemetry = openTelemetryListener();
  const configuration: ClientConfiguration = {
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    clientCredentialsAuthCredentials: { oAuthClientId: server.clientId, oAuthClientSecret: server.clientSecret },
    onEvent: (event) => {
      events.push(event.type);
      telemetry(event);
    },
  };
  const client = new Client(configuration);
  const response = await client.fetch('/whoami');
  const body = (await response.json()) as { clientId: string };
  const token: OAuthToken | undefined = client.clientCredentialsAuthManager.token;
  return { status: response.status, clientId: body.clientId, tokenType: token?.tokenType ?? 'none', events };
}

/** The error a wrong secret gets, by the class the caller imported. */
export async function refusal(server: ServerUnderTest): Promise<OAuthCcgError> {
  const client = new Client({
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    clientCredentialsAuthCredentials: { oAuthClientId: server.clientId, oAuthClientSecret: 'not-the-secret' },
  });
  try {
    await client.fetch('/whoami');
  } catch (error) {
    if (error instanceof OAuthCcgError) return error;
    throw error;
  }
  throw new Error('a wrong secret was accepted');
}

/** The same call through axios and through undici, each given the token by the package's adapter: the statuses the API answered. */
export async function callThroughAdapters(server: ServerUnderTest): Promise<{ axios: number; undici: number }> {
  const client = new Client({
    baseUrl: server.apiUrl,
    tokenUrl: server.tokenUrl,
    clientCredentialsAuthCredentials: { oAuthClientId: server.clientId, oAuthClientSecret: server.clientSecret },
  });
  const api = axios.create({ baseURL: server.apiUrl });
  attachClient(api, client);
  const agent = new Agent();
  try {
    const viaUndici = await request(`${server.apiUrl}/whoami`, { dispatcher: agent.compose(oauthInterceptor(client)) });
    await viaUndici.body.dump();
    return { axios: (await api.get('/whoami')).status, undici: viaUndici.statusCode };
  } finally {
    await agent.close();
  }
}
