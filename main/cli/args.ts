import type { CliIo } from './io.ts';

export interface ArgSpec<F extends string, O extends string> {
  /** The command as typed after `portico`, e.g. 'doctor' or 'cert'. */
  command: string;
  /** One synopsis line, appended to the error line; or several lines, printed below it. */
  usage: string | readonly string[];
  /** Switches without a value, e.g. '--json'. */
  flags?: readonly F[];
  /** Options that take a value: `--config FILE` or `--config=FILE`. */
  options?: readonly O[];
  /** How many bare words (subcommands) are allowed, anywhere among the options. */
  positionals?: number;
}

export interface ParsedArgs<F extends string, O extends string> {
  flags: Record<F, boolean>;
  options: Partial<Record<O, string>>;
  positionals: string[];
}

/** Just the parsing: the parsed values, or what was wrong in a few words. */
function parseArgList<F extends string, O extends string>(args: readonly string[], spec: Omit<ArgSpec<F, O>, 'command' | 'usage'>): ParsedArgs<F, O> | string {
  const flags = Object.fromEntries((spec.flags ?? []).map((f) => [f, false])) as Record<F, boolean>;
  const options: Partial<Record<O, string>> = {};
  const positionals: string[] = [];
  const isOption = (x: string): x is O => (spec.options as readonly string[] | undefined)?.includes(x) ?? false;
  for (let i = 0; i < args.length; i++) {
    const x = args[i]!;
    const eq = x.indexOf('=');
    const name = eq > 0 ? x.slice(0, eq) : x;
    if (eq < 0 && (spec.flags as readonly string[] | undefined)?.includes(x)) flags[x as F] = true;
    else if (isOption(name)) {
      const v = eq > 0 ? x.slice(eq + 1) : args[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) return `${name} needs a value`;
      options[name] = v;
    } else if (!x.startsWith('-') && positionals.length < (spec.positionals ?? 0)) positionals.push(x);
    else return `unknown option "${x}"`;
  }
  return { flags, options, positionals };
}

/**
 * Parses a command's arguments, or prints `portico <cmd>: <problem>` with the usage and returns
 * null: the caller then exits with EXIT_USAGE.
 */
export function parseCliArgs<F extends string, O extends string>(args: readonly string[], spec: ArgSpec<F, O>, io: CliIo): ParsedArgs<F, O> | null {
  const r = parseArgList(args, spec);
  if (typeof r !== 'string') return r;
  reportUsageError(io, spec, r);
  return null;
}

/** Prints a usage problem in the one style every command shares. */
export function reportUsageError(io: CliIo, spec: Pick<ArgSpec<string, string>, 'command' | 'usage'>, problem: string): void {
  if (typeof spec.usage === 'string') io.err(`portico ${spec.command}: ${problem}; usage: ${spec.usage}`);
  else {
    io.err(`portico ${spec.command}: ${problem}`);
    for (const l of spec.usage) io.err(l);
  }
}
