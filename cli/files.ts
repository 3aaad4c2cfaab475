/**
 * Writing credentials safely: the whole file or nothing, mode 0600 from the first byte.
 * A temporary file is created beside the target with O_CREAT|O_EXCL and mode 0600,
 * written, fsync'ed and renamed over the target (rename is atomic within a directory).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { MyProxyWebError } from '../shared/errors.js';

export async function writeFileAtomic0600(target: string, content: string | Uint8Array): Promise<void> {
  const directory = path.dirname(path.resolve(target));
  const temporary = path.join(directory, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temporary, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
    await handle.writeFile(content);
    await handle.chmod(0o600); // umask can only remove bits, but be explicit.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temporary, target);
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new MyProxyWebError('OUTPUT_WRITE_FAILED', `cannot write ${target}: ${reason}`, { cause });
  }
}

/** Like writeFileAtomic0600, with another final mode (e.g. 0644 for trust-root files, which others must read). */
export async function writeFileAtomic(target: string, content: string | Uint8Array, mode: number): Promise<void> {
  await writeFileAtomic0600(target, content);
  try {
    await fs.chmod(target, mode);
  } catch (cause) {
    throw new MyProxyWebError('OUTPUT_WRITE_FAILED', `cannot set the mode of ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
