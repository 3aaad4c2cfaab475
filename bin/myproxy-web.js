#!/usr/bin/env node
/**
 * The `myproxy-web` command. CommonJS (bin/package.json), which spares Node's ES module loader
 * at start-up.
 *
 * 1. For `logon` without options that change the key, the default RSA 2048 key pair starts
 *    generating before anything else (cli/key-prewarm.ts, which decides whether it is used).
 * 2. It runs build/myproxy-web.cjs, the command line bundled into one script
 *    (vite.cli.config.ts; `npm run prepare` builds it), compiled through node:vm with a V8 code
 *    cache in build/myproxy-web.cjs.cache: Node 20 has no compile cache, and compiling the code
 *    (pkijs, asn1js, TLS) was a good part of a short command's time (docs/PERFORMANCE.md,
 *    "Command line"). The cache is written, best effort, when it is missing or V8 rejects it
 *    (another Node version), at the end of a successful `logon` (not `logon --help`), so that it
 *    holds the code that command runs; where build/ is not writable, the command runs uncached.
 *    V8 checks a cache against its own version and flags but the source only by its length, so
 *    the file starts with the SHA-256 of the source it was made for.
 *
 * Without the bundle, or when build/cli/ (tsc) is newer than it (only tsc was re-run), the
 * unbundled build/cli/run.js runs instead, so a stale bundle never does.
 */
'use strict';

const [command, ...rest] = process.argv.slice(2);
const isLogon = (command === 'logon' || command === 'get-delegation') && !rest.some((arg) => /^(-h|--help|-u|--usage|-V|--version)$/.test(arg));
if (isLogon && !process.env.MYPROXY_KEYBITS &&
    // The options for which cli/key-prewarm.ts generates no default key (that list decides).
    !rest.some((arg) => /^(-[QN]|--certreq|--no_credentials|--key-type|-a|--authorization|-h|--help|-u|--usage|-V|--version)/.test(arg))) {
  const pending = globalThis.crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  pending.catch(() => undefined);
  globalThis[Symbol.for('myproxy-web.default-key-pair')] = pending;
}

const { createHash } = require('node:crypto');
const { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const filename = path.join(__dirname, '..', 'build', 'myproxy-web.cjs');
const unbundled = path.join(__dirname, '..', 'build', 'cli', 'run.js');
const cacheFile = `${filename}.cache`;

function mtime(file) {
  return statSync(file, { throwIfNoEntry: false })?.mtimeMs;
}

function readCache(sourceHash) {
  try {
    const file = readFileSync(cacheFile);
    return file.subarray(0, sourceHash.length).equals(sourceHash) ? file.subarray(sourceHash.length) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(script, sourceHash) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, Buffer.concat([sourceHash, script.createCachedData()]));
    renameSync(temporary, cacheFile);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
  }
}

function runBundle(source) {
  const sourceHash = createHash('sha256').update(source).digest();
  const cachedData = readCache(sourceHash);
  // The CommonJS wrapper on a line of its own (lineOffset -1 keeps line numbers and columns).
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {\n${source}\n})`, {
    filename,
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(filename), module, filename, path.dirname(filename));
  if ((!cachedData || script.cachedDataRejected) && isLogon) {
    process.once('exit', (code) => {
      if (code === 0) writeCache(script, sourceHash);
    });
  }
}

const bundleTime = mtime(filename);
if (bundleTime === undefined || (mtime(unbundled) ?? 0) > bundleTime) {
  import(pathToFileURL(unbundled).href).catch((error) => {
    process.stderr.write(`myproxy-web: cannot load ${unbundled}: ${error?.message ?? error}\n`);
    process.exitCode = 1;
  });
} else {
  runBundle(readFileSync(filename, 'utf8'));
}
