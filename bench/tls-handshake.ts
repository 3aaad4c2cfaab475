/**
 * TLS benchmark (npm run bench:tls): handshake time through the TCP transport, ours (shared/tls) and
 * node:tls side by side in the same run, plus the gzip size of the TLS layer bundled with esbuild,
 * without and with the PKI libraries.
 *
 * Two servers: the local myproxy-server fixture (the target case; it starts a fresh myproxy-server
 * process per connection, which adds the same large, noisy delay to both clients) and a long-running
 * openssl s_server (no process start: the handshake cost alone). Runs are interleaved in pairs, the
 * order alternating (ours/node, node/ours, ...), so load that comes and goes hits both clients alike;
 * the headline figure is the median of the per-pair ratios.
 * Prints a Markdown section and writes it under "## TLS" in docs/PERFORMANCE.md (other sections kept).
 * BENCH_RUNS (pairs, default 60) and BENCH_NO_WRITE=1 (print only) tune it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { connectTcp } from '../cli/tcp-channel.js';
import { pemCertificates } from '../shared/pki/pem.js';
import { connectTls } from '../shared/tls/index.js';
import { startMyProxyServer } from '../test/fixtures/myproxy-server.js';
import { makeTestPki, startOpensslServer } from '../test/fixtures/openssl-server.js';
import { percentile, replaceSection } from './report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 60);
const WARMUP = 5;
/** Other work on the machine widens the spread of both clients' times: reported with the figures. */
const LOAD_AT_START = os.loadavg()[0]!;

interface Target {
  host: string;
  port: number;
  serverName: string;
  caPem: string;
}

interface PairStats {
  ours: { median: number; p90: number };
  node: { median: number; p90: number };
  ratio: { median: number; p25: number; p75: number };
}

function oursOnce(target: Target, trustRoots: Uint8Array[]): () => Promise<void> {
  return async () => {
    // The connection is handed over while it is being made: key generation overlaps the TCP connect.
    const connection = await connectTls(connectTcp({ host: target.host, port: target.port }), { serverName: target.serverName, trustRoots });
    connection.close();
  };
}

function nodeOnce(target: Target): () => Promise<void> {
  return () =>
    new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: target.host, port: target.port, servername: target.serverName, ca: target.caPem, minVersion: 'TLSv1.3' }, () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** RUNS pairs after WARMUP pairs; within a pair the order alternates so neither client always goes first. */
async function comparePairs(target: Target): Promise<PairStats> {
  const ours = oursOnce(target, pemCertificates(target.caPem));
  const node = nodeOnce(target);
  for (let i = 0; i < WARMUP; i++) {
    await ours();
    await node();
  }
  const oursMs: number[] = [];
  const nodeMs: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let a: number;
    let b: number;
    if (i % 2 === 0) {
      a = await timed(ours);
      b = await timed(node);
    } else {
      b = await timed(node);
      a = await timed(ours);
    }
    oursMs.push(a);
    nodeMs.push(b);
    ratios.push(a / b);
  }
  return {
    ours: { median: percentile(oursMs, 50), p90: percentile(oursMs, 90) },
    node: { median: percentile(nodeMs, 50), p90: percentile(nodeMs, 90) },
    ratio: { median: percentile(ratios, 50), p25: percentile(ratios, 25), p75: percentile(ratios, 75) },
  };
}

async function bundleSize(external: string[]): Promise<{ raw: number; gzip: number }> {
  const result = await build({
    entryPoints: [path.join(root, 'shared/tls/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    external,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { raw: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

/** Where the time goes, from the last profile (`node --cpu-prof` over a loop of handshakes against s_server). */
const NOTES: string[] = [
  'Where our time goes (profiled 2026-11 with `node --cpu-prof` over a loop of handshakes against `openssl s_server -www`,',
  'RSA-2048 leaf and CA): TCP connect about 0.3 ms; the two key shares and the ClientHello about 0.5 ms (generated while TCP',
  'connects when `connectTls` is handed the connection being made); from the server flight to our Finished about 2.2 ms',
  '(before this round 5-7 ms): ECDH, about twenty WebCrypto HMACs, five record decryptions, the CertificateVerify and chain',
  'signatures. What changed: each certificate is parsed once per process (`shared/pki/der-cache.ts`, by content: a reconnect',
  'to the same server parses nothing; first contact parses its leaf once instead of three times, about 0.4 ms); chain',
  'signatures are verified with WebCrypto over the TBS bytes with each issuer key imported once (`shared/pki/cert-signature.ts`;',
  'pkijs only as the fallback and to confirm failures); HMAC keys are imported once per secret and the no-PSK early secret',
  'once per suite (`hkdf.ts`, `key-schedule.ts`); independent derivations run in parallel, and our handshake keys, Finished',
  'keys and master secret are derived while the server flight is still being read (`client13.ts`); our flight is one write.',
  'What is left is mostly WebCrypto call overhead (each operation is an asynchronous job) and the server.',
];

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const ms = (n: number) => `${n.toFixed(1)} ms`;
const x = (n: number) => `${n.toFixed(2)}x`;

function table(stats: PairStats): string[] {
  return [
    '| client | median | p90 |',
    '|---|---|---|',
    `| myproxy-web TLS (WebCrypto) | ${ms(stats.ours.median)} | ${ms(stats.ours.p90)} |`,
    `| node:tls (OpenSSL) | ${ms(stats.node.median)} | ${ms(stats.node.p90)} |`,
    '',
    `Median of the per-pair ratios: **${x(stats.ratio.median)}** node:tls (interquartile ${x(stats.ratio.p25)}–${x(stats.ratio.p75)}; ratio of the medians ${x(stats.ours.median / stats.node.median)}).`,
  ];
}

const fx = await startMyProxyServer();
let myproxy: PairStats;
try {
  myproxy = await comparePairs({ host: fx.host, port: fx.port, serverName: fx.serverName, caPem: fx.caCertPem });
} finally {
  await fx.stop();
}
const pki = await makeTestPki();
let openssl: PairStats;
try {
  const server = await startOpensslServer({ ...pki.rsa, chain: pki.caFile, args: ['-www'], rev: false });
  try {
    openssl = await comparePairs({ host: '127.0.0.1', port: server.port, serverName: 'localhost', caPem: readFileSync(pki.caFile, 'utf8') });
  } finally {
    await server.stop();
  }
} finally {
  await pki.cleanup();
}

const withoutPki = await bundleSize(['pkijs', 'asn1js', 'pvtsutils', 'pvutils', 'bytestreamjs', '@noble/hashes']);
const withPki = await bundleSize([]);
const body = [
  `Measured by \`npm run bench:tls\` on ${new Date().toISOString().slice(0, 10)} (Node ${process.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${LOAD_AT_START.toFixed(1)} at the start), loopback.`,
  `Full handshakes (TCP connect included, TLS 1.3, X25519, RSA-2048 server key and chain), ${RUNS} interleaved pairs per server after ${WARMUP} warm-up pairs,`,
  'the order within a pair alternating; the figure to compare with the target is the median of the per-pair ratios.',
  '',
  'Against the local myproxy-server fixture (a fresh myproxy-server process per connection: its start-up is in both clients\' times):',
  '',
  ...table(myproxy),
  '',
  'Against a long-running `openssl s_server -www` (no process start: the handshake alone):',
  '',
  ...table(openssl),
  '',
  `Target <= 1.5x node:tls against the myproxy-server fixture: ${myproxy.ratio.median <= 1.5 ? 'met' : 'missed'}.`,
  '',
  'Size of the TLS layer (`shared/tls/index.ts` bundled and minified with esbuild, ESM, browser), gzip -9:',
  '',
  '| bundle | minified | gzip |',
  '|---|---|---|',
  `| TLS layer without PKI (pkijs, asn1js and their helpers external) | ${kb(withoutPki.raw)} | ${kb(withoutPki.gzip)} |`,
  `| TLS layer with PKI (chain validation via pkijs + asn1js) | ${kb(withPki.raw)} | ${kb(withPki.gzip)} |`,
  '',
  `Target <= 30 KB gzip for the TLS layer: ${withoutPki.gzip <= 30 * 1024 ? 'met' : 'missed'} without PKI; the PKI libraries add ${kb(withPki.gzip - withoutPki.gzip)}.`,
  '',
  ...NOTES,
  '',
].join('\n');
console.log(body);
if (process.env.BENCH_NO_WRITE !== '1') replaceSection(path.join(root, 'docs', 'PERFORMANCE.md'), '## TLS', body);
