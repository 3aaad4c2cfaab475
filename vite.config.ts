/**
 * Builds the browser bundles: dist/myproxy-logon.js, one self-contained ES module (lit,
 * pkijs, asn1js and the shared TLS/MyProxy code inside; no externals), plus dist/demo.js,
 * the demo page's script (it imports nothing, so no chunk is shared between the two), and
 * dist/myproxy-logon-headless.js (the same logon code without the element) from a second,
 * separate build so that neither bundle imports a shared chunk, and dist/custom-elements.json
 * (scripts/custom-elements.mjs).
 */
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type InlineConfig, type Plugin } from 'vite';
import { pkijsStaticMembers } from './scripts/pkijs-static-members.js';
import { writeManifest } from './scripts/custom-elements.mjs';

const root = fileURLToPath(new URL('.', import.meta.url));

function shared(outDirEmpty: boolean, entry: Record<string, string>): InlineConfig {
  return {
    root,
    publicDir: false,
    plugins: [pkijsStaticMembers()],
    // Library mode leaves process.env alone; some dependencies read NODE_ENV.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir: 'dist',
      emptyOutDir: outDirEmpty,
      target: 'es2022',
      sourcemap: true,
      lib: { entry, formats: ['es'], fileName: (_format, entryName) => `${entryName}.js` },
      // Library mode keeps whitespace in ES output by default; these bundles are final, minify fully.
      rolldownOptions: { output: { minify: true } },
    },
  };
}

/**
 * After the main build: builds the headless entry on its own (configFile: false: no
 * recursion) and writes dist/custom-elements.json from the element's source.
 */
function headlessBuildAndManifest(): Plugin {
  return {
    name: 'myproxy-logon-headless',
    apply: 'build',
    async closeBundle() {
      await build({ ...shared(false, { 'myproxy-logon-headless': 'web/headless.ts' }), configFile: false, logLevel: 'warn' });
      writeManifest();
    },
  };
}

export default defineConfig(() => {
  const config = shared(true, { 'myproxy-logon': 'web/define.ts', demo: 'web/demo.ts' });
  return { ...config, plugins: [...(config.plugins ?? []), headlessBuildAndManifest()] };
});
