import type { CommandContext } from './context.ts';

/** A command's module is loaded only when it runs, so `ovena backup` never loads Ink or React. */
export type CommandModule = {
  run(context: CommandContext): Promise<number>;
};

export type CommandSpec = {
  name: string;
  summary: string;
  usage: string;
  example: string;
  load(): Promise<CommandModule>;
};

export const commandSpecs: CommandSpec[] = [
  {
    name: 'status',
    summary: 'show each service, its health and the last backup',
    usage: 'ovena status [--json]',
    example: 'ovena status --json',
    load: () => import('../commands/status.ts'),
  },
  {
    name: 'start',
    summary: 'start the database and Orthanc and wait until they answer',
    usage: 'ovena start',
    example: 'ovena start',
    load: () => import('../commands/start.ts'),
  },
  {
    name: 'stop',
    summary: 'stop Orthanc and the database (data is kept)',
    usage: 'ovena stop',
    example: 'ovena stop',
    load: () => import('../commands/stop.ts'),
  },
  {
    name: 'restore',
    summary: 'destroy the database and load a dump from the backup share (guided on a terminal)',
    usage: 'ovena [--file=NAME] restore [--yes] [--no-safety-dump] [--start|--no-start]',
    example: 'ovena --file=ovena-db-backup.sql restore',
    load: () => import('../commands/restore.ts'),
  },
  {
    name: 'list',
    summary: 'list the dumps in the backup share, newest first',
    usage: 'ovena list [--json]',
    example: 'ovena list --json',
    load: () => import('../commands/list.ts'),
  },
  {
    name: 'help',
    summary: 'show help for a command',
    usage: 'ovena help [COMMAND]',
    example: 'ovena help backup',
    load: () => import('../commands/help.ts'),
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return commandSpecs.find((spec) => spec.name === name);
}
