/**
 * A small getopt_long-style parser matching the native MyProxy tools' conventions:
 * short flags (`-l alice`, `-lalice`), long flags (`--username alice`, `--username=alice`),
 * flags without values, and `--` to end options.
 */
import { MyProxyWebError } from '../shared/errors.js';

export interface OptionSpec {
  /** Key under which the value is stored. */
  name: string;
  short?: string;
  long: string;
  /** Name of the value, e.g. 'hours'; absent for boolean flags. */
  value?: string;
  help: string;
}

export type ParsedOptions = Map<string, string | true>;

export function parseOptions(argv: readonly string[], specs: readonly OptionSpec[]): { options: ParsedOptions; operands: string[] } {
  const options: ParsedOptions = new Map();
  const operands: string[] = [];
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const byLong = new Map(specs.map((s) => [s.long, s]));

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const longName = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = byLong.get(longName);
      if (!spec) throw new MyProxyWebError('BAD_INPUT', `unknown option --${longName}`);
      if (!spec.value) {
        if (eq >= 0) throw new MyProxyWebError('BAD_INPUT', `option --${longName} takes no value`);
        options.set(spec.name, true);
        continue;
      }
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new MyProxyWebError('BAD_INPUT', `option --${longName} needs a ${spec.value}`);
      options.set(spec.name, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // Native tools also accept single-dash long names (-help, -usage, -version).
      const asLong = byLong.get(arg.slice(1));
      if (asLong && arg.length > 2 && !asLong.value) {
        options.set(asLong.name, true);
        continue;
      }
      const spec = byShort.get(arg[1]!);
      if (!spec) throw new MyProxyWebError('BAD_INPUT', `unknown option ${arg.slice(0, 2)}`);
      if (!spec.value) {
        if (arg.length > 2) throw new MyProxyWebError('BAD_INPUT', `option -${spec.short} takes no value`);
        options.set(spec.name, true);
        continue;
      }
      const value = arg.length > 2 ? arg.slice(2) : argv[++i];
      if (value === undefined) throw new MyProxyWebError('BAD_INPUT', `option -${spec.short} needs a ${spec.value}`);
      options.set(spec.name, value);
      continue;
    }
    operands.push(arg);
  }
  return { options, operands };
}

export function formatOptionsHelp(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const flags = `${s.short ? `-${s.short} | ` : '     '}--${s.long}${s.value ? ` <${s.value}>` : ''}`;
    return [flags, s.help] as const;
  });
  const width = Math.max(...rows.map(([flags]) => flags.length)) + 2;
  return rows.map(([flags, help]) => `   ${flags.padEnd(width)}${help}`).join('\n');
}

export function stringOption(options: ParsedOptions, name: string): string | undefined {
  const value = options.get(name);
  return typeof value === 'string' ? value : undefined;
}

/** Parses a positive number of hours (fractions allowed, as myproxy-logon's atoi would not; we are stricter). */
export function parseHours(text: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new MyProxyWebError('BAD_INPUT', `${flag} takes a positive number of hours, not "${text}"`);
  const hours = Number(text);
  if (!(hours > 0) || hours > 24 * 365 * 10) throw new MyProxyWebError('BAD_INPUT', `${flag} must be between 0 and ${24 * 365 * 10} hours`);
  return hours;
}

export function parsePort(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new MyProxyWebError('BAD_INPUT', `${what} must be a port number, not "${text}"`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new MyProxyWebError('BAD_INPUT', `${what} must be between 1 and 65535`);
  return port;
}
