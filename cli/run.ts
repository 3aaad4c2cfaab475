/** Process entry point of the `myproxy-web` command (bin/myproxy-web.js imports the compiled form). */
import { formatFailure, main, packageVersion } from './main.js';

const context = { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, version: packageVersion() };

main(process.argv.slice(2), context).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(formatFailure(error));
    process.exitCode = 1;
  },
);
