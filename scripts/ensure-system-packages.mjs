#!/usr/bin/env node
// Make sure the Debian packages the tests and the demo run are installed.
//
//   node scripts/ensure-system-packages.mjs            # everything the tests need
//   node scripts/ensure-system-packages.mjs --only demo # just what `npm run demo` needs
//   ENSURE_SYSTEM_PACKAGES_ONLY=demo node scripts/ensure-system-packages.mjs
//
// All present: prints one short line, exits 0.
// Missing, running as root: apt-get update + apt-get install (inherited stdio); exits non-zero on failure.
// Missing, not root: explains on stderr, prints the one `sudo apt-get install -y ...` line, exits 1.
//
// Other knobs: --dry-run (say what would be run, run nothing);
// SKIP_SYSTEM_PACKAGES_CHECK=1 (do nothing, e.g. on a non-Debian dev machine that has the tools elsewhere);
// ENSURE_SYSTEM_PACKAGES_ASSUME_MISSING=pkg1,pkg2 (treat these as missing; for testing this script).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Security-module directories where pam_pwdfile.so may live (multiarch or not). */
function pamModuleCandidates(name) {
  const out = [];
  for (const base of ['/usr/lib', '/lib']) {
    out.push(path.join(base, 'security', name));
    let entries = [];
    try {
      entries = readdirSync(base);
    } catch {
      /* no such dir */
    }
    for (const e of entries) if (e.includes('-linux-')) out.push(path.join(base, e, 'security', name));
  }
  return out;
}

/** package → files any one of which shows that it is installed, and the groups that need it. */
const PACKAGES = [
  { pkg: 'myproxy-server', files: ['/usr/sbin/myproxy-server'], demo: true },
  { pkg: 'myproxy', files: ['/usr/bin/myproxy-logon', '/usr/bin/myproxy-init'], all: true, demo: true },
  { pkg: 'myproxy-admin', files: ['/usr/sbin/myproxy-admin-adduser'], demo: true },
  { pkg: 'openssl', files: ['/usr/bin/openssl'], demo: true },
  { pkg: 'globus-proxy-utils', files: ['/usr/bin/grid-proxy-info'] },
  { pkg: 'chromium', files: ['/usr/bin/chromium'] },
  { pkg: 'gnutls-bin', files: ['/usr/bin/gnutls-serv'] },
  { pkg: 'libpam-pwdfile', files: pamModuleCandidates('pam_pwdfile.so') },
  // The bridge's deployment test (nginx in front of two bridges) and websockify interop + benchmark.
  { pkg: 'nginx', files: ['/usr/sbin/nginx'] },
  { pkg: 'websockify', files: ['/usr/bin/websockify'] },
];

const args = process.argv.slice(2);
let only = process.env.ENSURE_SYSTEM_PACKAGES_ONLY || '';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only = args[++i] ?? '';
  else if (args[i].startsWith('--only=')) only = args[i].slice('--only='.length);
}
const dryRun = args.includes('--dry-run');
if (only !== '' && only !== 'demo' && only !== 'test' && only !== 'all') {
  console.error(`ensure-system-packages: unknown --only value "${only}" (use "demo")`);
  process.exit(2);
}
if (process.env.SKIP_SYSTEM_PACKAGES_CHECK === '1') {
  console.error('ensure-system-packages: skipped (SKIP_SYSTEM_PACKAGES_CHECK=1)');
  process.exit(0);
}

const wanted = PACKAGES.filter((p) => (only === 'demo' ? p.demo : true));
const assumeMissing = new Set((process.env.ENSURE_SYSTEM_PACKAGES_ASSUME_MISSING || '').split(',').filter(Boolean));

/** dpkg's view: Map pkg → true if installed. Empty map when dpkg-query is unavailable. */
function dpkgInstalled(pkgs) {
  const status = new Map();
  if (pkgs.length === 0) return status;
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...pkgs], { encoding: 'utf8' });
  if (r.error) return status;
  for (const line of (r.stdout || '').split('\n')) {
    const [name, st] = line.trim().split(/\s+/);
    if (name) status.set(name.split(':')[0], st === 'installed');
  }
  return status;
}

function isPresent(p) {
  if (assumeMissing.has(p.pkg)) return false;
  if (p.all) return p.files.every((f) => existsSync(f));
  return p.files.some((f) => existsSync(f));
}

function findMissing() {
  const suspect = wanted.filter((p) => !isPresent(p));
  if (suspect.length === 0) return [];
  // A program may live elsewhere on non-default layouts: trust dpkg if it says the package is installed.
  const dpkg = dpkgInstalled(suspect.map((p) => p.pkg).filter((name) => !assumeMissing.has(name)));
  return suspect.filter((p) => dpkg.get(p.pkg) !== true).map((p) => p.pkg);
}

function run(cmd, cmdArgs) {
  console.error(`+ ${cmd} ${cmdArgs.join(' ')}`);
  if (dryRun) return 0;
  const r = spawnSync(cmd, cmdArgs, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.error) {
    console.error(`ensure-system-packages: cannot run ${cmd}: ${r.error.message}`);
    return 127;
  }
  return r.status ?? 1;
}

/** Headless Chromium smoke test (what the browser tests rely on). */
function chromiumWorks() {
  if (dryRun) return true;
  const r = spawnSync('chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', 'about:blank'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.status === 0 && /<html/i.test(r.stdout || '');
}

const missing = findMissing();
const label = only === 'demo' ? 'demo' : 'test';
if (missing.length === 0) {
  console.error(`ensure-system-packages: ${wanted.length} ${label} packages present`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `ensure-system-packages: the ${label}s need Debian packages that are not installed: ${missing.join(', ')}.\n` +
      'Install them with (then re-run):',
  );
  console.error(`sudo apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}

console.error(`ensure-system-packages: installing ${missing.join(' ')}`);
let code = run('apt-get', ['update']);
if (code !== 0) {
  console.error(`ensure-system-packages: apt-get update failed (exit ${code})`);
  process.exit(code);
}
code = run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
if (code !== 0) {
  console.error(`ensure-system-packages: apt-get install failed (exit ${code})`);
  process.exit(code);
}
if (missing.includes('chromium') && !chromiumWorks()) {
  // Recommended packages (fonts, GL drivers) were left out; try the full install before giving up.
  console.error('ensure-system-packages: headless chromium does not start; installing it with its recommended packages');
  code = run('apt-get', ['install', '-y', 'chromium']);
  if (code !== 0 || !chromiumWorks()) {
    console.error('ensure-system-packages: `chromium --headless --no-sandbox --disable-gpu --dump-dom about:blank` still fails');
    process.exit(code || 1);
  }
}
if (!dryRun) {
  assumeMissing.clear();
  const still = findMissing();
  if (still.length > 0) {
    console.error(`ensure-system-packages: still missing after apt-get install: ${still.join(', ')}`);
    process.exit(1);
  }
}
console.error('ensure-system-packages: done');
