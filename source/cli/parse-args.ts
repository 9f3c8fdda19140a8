import { UsageError } from '../errors.ts';
import { commandSpecs } from './commands.ts';
import { findOption, findShortOption, type OptionSpec } from './options.ts';

export type ParsedArgs = {
  command: string | undefined;
  /** Words after the command, e.g. `schedule daily` or `cifs set images`. */
  args: string[];
  options: Record<string, string | boolean>;
};

/**
 * Options may stand before or after the command, as in the original script:
 * `ovena --file=x.sql backup` and `ovena backup --file=x.sql` parse the same.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const options: Record<string, string | boolean> = {};
  const words: string[] = [];
  let onlyWords = false;

  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] ?? '';
    if (onlyWords || !token.startsWith('-') || token === '-') {
      words.push(token);
      continue;
    }
    if (token === '--') {
      onlyWords = true;
      continue;
    }

    let spec: OptionSpec | undefined;
    let inlineValue: string | undefined;
    if (token.startsWith('--')) {
      const equals = token.indexOf('=');
      const name = equals === -1 ? token.slice(2) : token.slice(2, equals);
      inlineValue = equals === -1 ? undefined : token.slice(equals + 1);
      spec = findOption(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
    } else {
      if (token.length !== 2) throw new UsageError(`unknown option ${token}`);
      spec = findShortOption(token.slice(1));
      if (!spec) throw new UsageError(`unknown option ${token}`);
    }

    if (spec.type === 'boolean') {
      if (inlineValue !== undefined) throw new UsageError(`option --${spec.name} takes no value`);
      options[spec.name] = true;
      continue;
    }
    let value = inlineValue;
    if (value === undefined) {
      const next = argv[index + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(
          `option --${spec.name} needs a value (--${spec.name}=${spec.valueName ?? 'VALUE'})`,
        );
      }
      value = next;
      index++;
    }
    if (options[spec.name] !== undefined) throw new UsageError(`option --${spec.name} given twice`);
    options[spec.name] = value;
  }

  const [command, ...args] = words;
  if (command !== undefined && !commandSpecs.some((spec) => spec.name === command)) {
    throw new UsageError(`unknown command "${command}"`);
  }
  for (const name of Object.keys(options)) {
    const spec = findOption(name);
    if (!spec || spec.global) continue;
    if (command === undefined || !spec.commands?.includes(command)) {
      const where = spec.commands?.join(', ') ?? '';
      throw new UsageError(
        `option --${name} is not valid ${command ? `for "${command}"` : 'without a command'} (it goes with: ${where})`,
      );
    }
  }
  return { command, args, options };
}

export function stringOption(options: ParsedArgs['options'], name: string): string | undefined {
  const value = options[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanOption(options: ParsedArgs['options'], name: string): boolean {
  return options[name] === true;
}
