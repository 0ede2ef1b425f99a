// "Your database", for the examples that save and load tokens: one JSON file. A token is plain JSON,
// so JSON.stringify(token) is all it takes to store one.
import { readFile, writeFile } from 'node:fs/promises';
import type { OAuthToken } from 'oauth-ccg';
import { environment } from './environment.ts';

export async function saveTokenToDatabase(token: OAuthToken): Promise<void> {
  await writeFile(environment.tokenDatabase, JSON.stringify(token), { mode: 0o600 });
}

export async function loadTokenFromDatabase(): Promise<OAuthToken | undefined> {
  try {
    return JSON.parse(await readFile(environment.tokenDatabase, 'utf8')) as OAuthToken;
  } catch {
    return undefined;
  }
}
