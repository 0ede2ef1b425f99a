// Where the examples find the authorization server and the API. The test suite points these at its own
// oidc-provider; point them at yours to try an example by hand.
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} to run this example.`);
  return value;
}

export const environment = {
  baseUrl: required('API_BASE_URL'),
  tokenUrl: required('TOKEN_URL'),
  clientId: required('CLIENT_ID'),
  clientSecret: required('CLIENT_SECRET'),
  /** A file standing in for "your database" in the examples that store tokens. */
  tokenDatabase: process.env.TOKEN_DATABASE ?? 'token-database.json',
};
