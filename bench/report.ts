/** What the benchmarks share: nearest-rank percentiles and rewriting their own section of docs/PERFORMANCE.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Nearest-rank percentile `p` (0-100) of `values` (any order). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Replaces the section under `heading` (up to the next `## `) with `body`, or appends it; other sections stay as they are. */
export function replaceSection(file: string, heading: string, body: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Performance\n';
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) {
    writeFileSync(file, `${text.replace(/\n*$/, '\n')}\n${heading}\n\n${body}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length + 1);
  writeFileSync(file, `${text.slice(0, start)}\n${heading}\n\n${body}${next < 0 ? '' : text.slice(next)}`);
}
