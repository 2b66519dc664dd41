import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The test CA's certificate: what a client trusts (NODE_EXTRA_CA_CERTS, `ca`, curl --cacert). */
  caFile: string;
  ca: Buffer;
  /** The server's certificate, signed by the CA, and its key (PEM files and contents). */
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
  remove(): void;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A throwaway CA and a server certificate it signed for `names` (DNS names and IP addresses), made
 * with openssl the way an operator makes a private CA: clients trust the CA, not the server's own
 * certificate.
 */
export function testCertificates(names: string[] = ['localhost', '127.0.0.1']): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'earshot-certs-'));
  const at = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-days',
    '2',
    '-subj',
    '/CN=Earshot test CA',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  ]);
  openssl(['req', ...ec, '-subj', `/CN=${names[0]}`, '-keyout', at('key.pem'), '-out', at('server.csr')]);
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  writeFileSync(
    at('server.ext'),
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    at('server.csr'),
    '-CA',
    at('ca.pem'),
    '-CAkey',
    at('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    at('server.ext'),
    '-out',
    at('cert.pem'),
  ]);
  return {
    dir,
    caFile: at('ca.pem'),
    ca: readFileSync(at('ca.pem')),
    certFile: at('cert.pem'),
    keyFile: at('key.pem'),
    cert: readFileSync(at('cert.pem')),
    key: readFileSync(at('key.pem')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
