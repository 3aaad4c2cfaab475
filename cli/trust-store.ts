/**
 * Trust roots for the Node command, found where the Globus tools look
 * (GLOBUS_GSI_SYSCONFIG_GET_CERT_DIR; ../shared/docs/myproxy-protocol.md §3.3):
 * $X509_CERT_DIR, ~/.globus/certificates, /etc/grid-security/certificates.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MyProxyWebError } from '../shared/errors.js';
import { pemCertificates } from '../shared/pki/pem.js';

export function trustDirectoryCandidates(env: NodeJS.ProcessEnv): string[] {
  if (env.X509_CERT_DIR) return [env.X509_CERT_DIR];
  const home = env.HOME ?? os.homedir();
  return [path.join(home, '.globus', 'certificates'), '/etc/grid-security/certificates'];
}

/** Every certificate in the `<hash>.<n>` files of the first trust directory that exists. */
export async function loadTrustRoots(env: NodeJS.ProcessEnv): Promise<{ directory: string; roots: Uint8Array[] }> {
  const candidates = trustDirectoryCandidates(env);
  for (const directory of candidates) {
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch {
      continue;
    }
    const roots: Uint8Array[] = [];
    for (const name of names.filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).sort()) {
      const text = await fs.readFile(path.join(directory, name), 'utf8').catch(() => '');
      roots.push(...pemCertificates(text));
    }
    return { directory, roots };
  }
  throw new MyProxyWebError(
    'CERT_UNTRUSTED',
    `no trusted CA certificates directory found (looked in ${candidates.join(', ')}); set X509_CERT_DIR`,
  );
}
