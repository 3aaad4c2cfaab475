#!/usr/bin/env node
// Runs scripts/demo.ts under tsx (npm run demo builds dist/ first). Forwards SIGINT and
// SIGTERM to that child by pid and exits with its status once it has stopped everything.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'demo.ts')], {
  cwd: root,
  stdio: 'inherit',
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // On Ctrl-C the terminal signals the whole foreground group, child included; forwarding
    // again is harmless (the demo stops once) and covers a SIGTERM sent to this pid only.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  });
}

child.on('error', (error) => {
  console.error(`demo: cannot start: ${error.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
