/** Process entry point of the `myproxy-web` command (bin/myproxy-web.js runs the bundled form). */
import { formatFailure, main, packageVersion } from './main.js';

const context = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, version: packageVersion() };

/**
 * Exits once the command is done and its output flushed, without waiting for what is still
 * running and no longer needed: above all a key pair generated ahead (cli/key-prewarm.ts) for a
 * logon that failed before using it, which would otherwise hold the process for up to a few
 * hundred ms; also a transport's close_notify grace. Files are written before main() returns.
 */
function exitWhenFlushed(code: number): void {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr].filter((stream) => stream.writableLength > 0);
  let waiting = streams.length;
  if (waiting === 0) process.exit();
  // A write's callback runs once every earlier write on that stream is flushed.
  for (const stream of streams) stream.write('', () => --waiting === 0 && process.exit());
}

main(process.argv.slice(2), context).then(exitWhenFlushed, (error: unknown) => {
  process.stderr.write(formatFailure(error));
  exitWhenFlushed(1);
});
