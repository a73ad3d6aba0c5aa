import { parseArgs } from 'node:util';
import type { Config } from '../config/index.js';
import type { Core } from '../core/index.js';

/** The command line is wrong (exit code 2); the message is one line. */
export class UsageError extends Error {}
/** The command was understood but could not be done (exit code 1); the message is one line. */
export class Failure extends Error {
  /** Lines printed before the message (an import's refused lines). */
  constructor(
    message: string,
    public readonly details: string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A command, or a group of them (`user` holds `user create`, `user list`, …). */
export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's placeholder in help (`FILE`). */
  value?: string;
  help: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

/** What a command runs with: its parsed arguments and, on demand, the configuration and the core. */
export interface Context {
  values: Values;
  positionals: string[];
  json: boolean;
  config(): Config;
  withCore<T>(fn: (core: Core) => Promise<T>): Promise<T>;
}

export interface Command {
  /** The words after `gatehouse`: `user create`. */
  name: string;
  /** One line, for the group's listing. */
  summary: string;
  /** The synopsis after the name: `<user> [--email E]`. */
  synopsis?: string;
  /** Paragraphs after the options. */
  notes?: string[];
  options?: Record<string, OptionSpec>;
  /** Positional arguments: their names in order (`<user>`); a trailing `...` takes any number. */
  positionals?: string[];
  run(ctx: Context): Promise<unknown>;
}

/** Options every command takes. */
export const COMMON: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'machine-readable output: one JSON value on stdout (errors too, as {"error": …})' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parses a command's arguments strictly; anything unexpected is a UsageError naming it. */
export function parseCommandArgs(cmd: Command, args: string[]): { values: Values; positionals: string[] } {
  const specs = { ...cmd.options, ...COMMON };
  const options = Object.fromEntries(Object.entries(specs).map(([k, o]) => [k, { type: o.type, ...(o.multiple && { multiple: true }), ...(o.short && { short: o.short }) }]));
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw new UsageError(argsMessage(e as Error & { code?: string }));
  }
  const names = cmd.positionals ?? [];
  const open = names[names.length - 1]?.endsWith('...');
  if (!parsed.values.help && !open && parsed.positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${parsed.positionals[names.length]}"`);
  }
  return parsed;
}

/** node:util's messages, shortened to one line each. */
function argsMessage(e: Error & { code?: string }): string {
  const opt = /'(-{1,2}[^' ]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${opt ?? e.message}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/ambiguous/.test(e.message)) return `${opt ?? 'an option'} needs a value (one starting with - is written ${opt ?? '--option'}=-…)`;
      return /argument missing/.test(e.message) ? `${opt ?? 'an option'} needs a value` : `${opt ?? 'an option'} takes no value`;
    default:
      return e.message.split('\n')[0] ?? 'bad arguments';
  }
}

/** A required option's value. */
export function need(v: Values, flag: string): string {
  const x = v[flag];
  if (typeof x !== 'string' || x === '') throw new UsageError(`--${flag} is required`);
  return x;
}

export const str = (v: Values, flag: string): string | undefined => (typeof v[flag] === 'string' ? (v[flag] as string) : undefined);
export const list = (v: Values, flag: string): string[] | undefined => (Array.isArray(v[flag]) ? (v[flag] as string[]) : undefined);
export const bool = (v: Values, flag: string): boolean => v[flag] === true;

/** Whole seconds > 0, or `def` when not given. */
export function seconds(v: Values, flag: string, def: number): number {
  const raw = str(v, flag);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n <= 0) throw new UsageError(`--${flag} must be a positive whole number of seconds`);
  return n;
}

/** The help of one command: synopsis, options and notes. */
export function commandHelp(cmd: Command): string {
  const lines = [`gatehouse ${cmd.name}${cmd.synopsis ? ` ${cmd.synopsis}` : ''}`, '', `  ${cmd.summary}`, ''];
  const opts = Object.entries({ ...cmd.options, ...COMMON });
  const label = ([k, o]: [string, OptionSpec]) => `${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  const width = Math.max(...opts.map((o) => label(o).length));
  lines.push('Options:');
  for (const o of opts) lines.push(`  ${label(o).padEnd(width)}  ${o[1].help}${o[1].multiple ? ' (repeatable)' : ''}`);
  for (const n of cmd.notes ?? []) lines.push('', ...wrap(n, 96));
  return lines.join('\n');
}

/** The help of a group of commands (`gatehouse user --help`). */
export function groupHelp(group: string, summary: string, cmds: Command[]): string {
  const width = Math.max(...cmds.map((c) => c.name.length));
  return [
    `gatehouse ${group} <command>`,
    '',
    `  ${summary}`,
    '',
    'Commands:',
    ...cmds.map((c) => `  gatehouse ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run 'gatehouse ${group} <command> --help' for a command's options.`,
  ].join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
