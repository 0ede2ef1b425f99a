// private_key_jwt (RFC 7523): the client proves itself with a JWT signed by its private key; the server
// holds only the public key. The key is checked when the client is made (a public key, or a PEM that is
// not PKCS#8, is a ConfigurationError there), and the algorithm follows from it: RSA → RS256, P-256 → ES256.
//
// oAuthPrivateKey takes a PKCS#8 PEM string, as here, or a private JWK object, or a CryptoKey (from
// crypto.subtle.importKey or generateKey, e.g. a non-extractable one).
import { Client } from 'oauth-ccg';
import { environment } from './environment.ts';

const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthPrivateKey: environment.privateKey,
    oAuthPrivateKeyId: environment.privateKeyId,
  },
});

const response = await client.fetch('/whoami');
console.log('call:', response.status, await response.text());
