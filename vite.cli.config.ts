/**
 * Builds the command line into build/myproxy-web.cjs, which bin/myproxy-web.js runs: one
 * minified script for Node with pkijs, asn1js and the shared code inside, tree-shaken (pkijs
 * through the same static-member plugin as the browser bundles), node: built-ins external.
 * Module loading was most of a `myproxy-web logon` run: about 100 files, all of pkijs among them
 * (docs/PERFORMANCE.md, "Command line"). CommonJS rather than ESM so that bin/myproxy-web.js can
 * compile it with node:vm and a V8 code cache (Node 20 has no compile cache for ES modules).
 * The commands' lazy `import()`s are inlined: each module's top level still runs only when a
 * command needs it. `npm run prepare` (run by `npm ci`) builds it after tsc, whose build/cli/
 * stays as it was.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { pkijsStaticMembers } from './scripts/pkijs-static-members.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  plugins: [pkijsStaticMembers()],
  ssr: { noExternal: true, target: 'node' },
  build: {
    ssr: 'cli/run.ts',
    outDir: 'build',
    emptyOutDir: false,
    target: 'node20',
    minify: true,
    sourcemap: true,
    copyPublicDir: false,
    rolldownOptions: {
      // strict: the sources are ES modules, always strict; CommonJS output is not by default.
      output: { format: 'cjs', entryFileNames: 'myproxy-web.cjs', codeSplitting: false, strict: true },
    },
  },
});
