import { type CommandSpec, commandSpecs } from './commands.ts';
import { type OptionSpec, optionSpecs } from './options.ts';

function optionLabel(spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const value = spec.type === 'string' ? `=${spec.valueName ?? 'VALUE'}` : '';
  return `${short}--${spec.name}${value}`;
}

function table(rows: Array<[string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

export function usageText(): string {
  return [
    'Usage: ovena [options] <command> [options]',
    '',
    'Back up and restore the Orthanc archive (Orthanc + PostgreSQL under docker compose).',
    'Without a command, on a terminal, ovena opens the home screen.',
    '',
    'Commands:',
    ...table(commandSpecs.map((spec) => [spec.name, spec.summary])),
    '',
    'Global options:',
    ...table(
      optionSpecs
        .filter((spec) => spec.global)
        .map((spec) => [optionLabel(spec), spec.description]),
    ),
    '',
    'Run "ovena help COMMAND" for a command\'s options and an example.',
  ].join('\n');
}

export function commandHelpText(spec: CommandSpec): string {
  const own = optionSpecs.filter((option) => option.commands?.includes(spec.name));
  return [
    `Usage: ${spec.usage}`,
    '',
    `${spec.summary[0]?.toUpperCase() ?? ''}${spec.summary.slice(1)}.`,
    ...(own.length > 0
      ? ['', 'Options:', ...table(own.map((option) => [optionLabel(option), option.description]))]
      : []),
    '',
    'Example:',
    `  ${spec.example}`,
  ].join('\n');
}

/** The short form shown after a usage error: the error line, then where to look. */
export function shortUsage(): string {
  return `Usage: ovena [options] <${commandSpecs.map((spec) => spec.name).join('|')}> [options]\nRun "ovena --help" for details.`;
}
