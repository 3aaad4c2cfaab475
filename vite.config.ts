/**
 * Builds the browser bundle: dist/myproxy-logon.js, one self-contained ES module (lit,
 * pkijs, asn1js and the shared TLS/MyProxy code inside; no externals), plus dist/demo.js,
 * the demo page's script (it imports nothing, so no chunk is shared between the two).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  // Library mode leaves process.env alone; some dependencies read NODE_ENV.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: {
        'myproxy-logon': 'web/define.ts',
        demo: 'web/demo.ts',
      },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
  },
});
