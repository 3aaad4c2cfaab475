/**
 * TLS for wss:// without a front proxy: the certificate and key files are read at start
 * and again on reload() (SIGHUP in main.ts), so a renewed certificate is picked up without
 * dropping open tunnels. A reload that fails (unreadable file, key not matching the
 * certificate) keeps the previous certificate in service.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsFiles } from './config.js';

export async function readTlsFiles(files: TlsFiles): Promise<SecureContextOptions> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  const options: SecureContextOptions = { cert, key, minVersion: 'TLSv1.2' };
  createSecureContext(options); // throws now, with OpenSSL's reason, if the pair is unusable
  return options;
}
