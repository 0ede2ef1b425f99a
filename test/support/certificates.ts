// Test certificates for mutual TLS (RFC 8705), made with the openssl CLI in a temporary directory that is
// removed as soon as they are read: a CA, a server certificate for 127.0.0.1, a client certificate the CA
// signed (for tls_client_auth) and a self-signed one (for self_signed_tls_client_auth).
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface CertificateAndKey {
  /** PEM certificate. */
  cert: string;
  /** PEM private key, PKCS#8 (`-----BEGIN PRIVATE KEY-----`), unencrypted. */
  key: string;
  /** base64url SHA-256 of the certificate's DER: what `cnf["x5t#S256"]` of a token bound to it holds. */
  thumbprint: string;
}

export interface TestCertificates {
  /** PEM certificate of the CA that signed `server` and `client`: the `ca` a client needs to trust the https servers. */
  ca: string;
  /** The https servers' certificate: subject CN=127.0.0.1, SAN IP:127.0.0.1. */
  server: CertificateAndKey;
  /** Signed by the CA; its subject is `subjectDn`. */
  client: CertificateAndKey & { subjectDn: string };
  /** Self-signed, registered by its x5c in a client's jwks. */
  selfSigned: CertificateAndKey;
}

/** RFC 4514 form, as `tls_client_auth_subject_dn` is registered. */
const CLIENT_SUBJECT_DN = 'CN=oauth-ccg tls client,O=oauth-ccg';

export async function createTestCertificates(): Promise<TestCertificates> {
  const directory = await mkdtemp(join(tmpdir(), 'oauth-ccg-certificates-'));
  const file = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { cwd: directory });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const signedByCa = async (name: string, subject: string, extensions: string) => {
    await writeFile(file(`${name}.ext`), extensions);
    await openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    await openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  try {
    await openssl('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=oauth-ccg test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    await signedByCa('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await signedByCa('client', '/O=oauth-ccg/CN=oauth-ccg tls client', 'extendedKeyUsage=clientAuth\n');
    await openssl('req', '-x509', ...newKey, '-keyout', 'self-signed.key', '-out', 'self-signed.pem', '-days', '2', '-subj', '/CN=oauth-ccg self-signed client');
    const read = async (name: string): Promise<CertificateAndKey> => {
      const cert = await readFile(file(`${name}.pem`), 'utf8');
      return { cert, key: await readFile(file(`${name}.key`), 'utf8'), thumbprint: certificateThumbprint(new X509Certificate(cert)) };
    };
    return {
      ca: await readFile(file('ca.pem'), 'utf8'),
      server: await read('server'),
      client: { ...(await read('client')), subjectDn: CLIENT_SUBJECT_DN },
      selfSigned: await read('self-signed'),
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** RFC 8705 §3.1: base64url SHA-256 of the certificate's DER encoding. */
export function certificateThumbprint(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

/** The subject of a certificate as a set of RFC 4514 attributes, whatever their order: `CN=a,O=b` and `O=b\nCN=a` compare equal. */
export function subjectMatches(certificate: X509Certificate, dn: string): boolean {
  const attributes = (text: string, separator: RegExp) => text.split(separator).map((part) => part.trim()).filter(Boolean).sort().join(',');
  return attributes(certificate.subject, /\n/) === attributes(dn, /,/);
}
