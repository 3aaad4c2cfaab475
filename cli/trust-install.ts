/**
 * Installing trust roots the way myproxy-logon -T / -b and myproxy-get-trustroots do
 * (../shared/docs/myproxy-protocol.md §3.3, §3.4): into $X509_CERT_DIR, else
 * /etc/grid-security/certificates when run as root, else ~/.globus/certificates. Each file is
 * written to a temporary name and renamed; a directory that does not exist yet is filled as
 * `<dir>.<pid>` and renamed into place when complete. Names are checked again here.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MyProxyWebError } from '../shared/errors.js';
import { type TrustRootFiles, unsafeTrustRootName } from '../shared/myproxy/trustroots.js';
import { writeFileAtomic } from './files.js';
import { trustDirectoryCandidates } from './trust-store.js';

/** The log file the native tools add to the trust directory. */
export const INSTALL_LOG = 'myproxy-install-log';

/** Where -T / -b write (get_trusted_certs_path in the C tools). */
export function trustWriteTarget(env: NodeJS.ProcessEnv, uid: number = process.getuid?.() ?? -1): string {
  if (env.X509_CERT_DIR) return env.X509_CERT_DIR;
  if (uid === 0) return '/etc/grid-security/certificates';
  return path.join(env.HOME ?? os.homedir(), '.globus', 'certificates');
}

/** The first trust directory that exists (where the tools read from), or undefined if there is none. */
export async function existingTrustDirectory(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const directory of trustDirectoryCandidates(env)) {
    try {
      if ((await fs.stat(directory)).isDirectory()) return directory;
    } catch {
      // next
    }
  }
  return undefined;
}

async function isDirectory(directory: string): Promise<boolean> {
  try {
    return (await fs.stat(directory)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes `files` into `directory` (mode 0644 each) and, unless `log` is false, appends their
 * paths to myproxy-install-log.
 * Returns the paths written. Throws OUTPUT_WRITE_FAILED, or BAD_INPUT for an unsafe name.
 */
export async function installTrustFiles(directory: string, files: ReadonlyMap<string, Uint8Array>, options: { log?: boolean } = {}): Promise<string[]> {
  for (const name of files.keys()) {
    const reason = unsafeTrustRootName(name);
    if (reason !== undefined || name === INSTALL_LOG) throw new MyProxyWebError('BAD_INPUT', `refusing to write trust-root file ${JSON.stringify(name)}: ${reason ?? 'reserved name'}`);
  }
  const target = path.resolve(directory);
  const exists = await isDirectory(target);
  const work = exists ? target : `${target}.${process.pid}`;
  try {
    await fs.mkdir(exists ? target : path.dirname(target), { recursive: true, mode: 0o755 });
    if (!exists) await fs.mkdir(work, { mode: 0o755 });
  } catch (cause) {
    throw new MyProxyWebError('OUTPUT_WRITE_FAILED', `cannot create ${work}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  const written: string[] = [];
  const now = Math.floor(Date.now() / 1000);
  let log = '';
  for (const [name, data] of files) {
    const file = path.join(work, name);
    if (path.dirname(file) !== work) throw new MyProxyWebError('BAD_INPUT', `refusing to write trust-root file ${JSON.stringify(name)}`);
    await writeFileAtomic(file, data, 0o644);
    written.push(path.join(target, name));
    log += `${now}: ${path.join(target, name)}\n`;
  }
  // Like the native tools, only downloaded trust roots are logged, not bootstrapped ones.
  try {
    if (options.log !== false) await fs.appendFile(path.join(work, INSTALL_LOG), log, { mode: 0o644 });
  } catch (cause) {
    throw new MyProxyWebError('OUTPUT_WRITE_FAILED', `cannot write ${path.join(work, INSTALL_LOG)}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!exists) {
    try {
      await fs.rename(work, target);
    } catch (cause) {
      await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
      throw new MyProxyWebError('OUTPUT_WRITE_FAILED', `cannot rename ${work} to ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
  return written;
}

/**
 * The server's files minus names this command keeps for itself (the install log, which a
 * server's cert_dir may hold when the native tools were run on it); those go to `skipped`.
 */
export function installableTrustRoots(roots: TrustRootFiles): TrustRootFiles {
  if (!roots.files.has(INSTALL_LOG)) return roots;
  const files = new Map(roots.files);
  files.delete(INSTALL_LOG);
  return { files, skipped: [...roots.skipped, { name: INSTALL_LOG, reason: 'reserved for the local install log' }] };
}

/** How the native tools print the directory: with a trailing '/'. */
export function displayDirectory(directory: string): string {
  return directory.endsWith('/') ? directory : `${directory}/`;
}
