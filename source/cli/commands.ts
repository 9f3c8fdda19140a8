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
    name: 'backup',
    summary: 'dump the database into the backup share (/mnt/backup/NAME.gz), atomically',
    usage: 'ovena [--file=NAME] backup [--timestamp]',
    example: 'ovena --file=ovena-db-backup.sql backup',
    load: () => import('../commands/backup.ts'),
  },
  {
    name: 'restore',
    summary:
      'load a dump from the backup share, from scratch or beside the live database (guided on a terminal, which offers both)',
    usage:
      'ovena [--file=NAME] restore [--yes] [--beside] [--no-safety-dump] [--no-fast-load] [--start|--no-start] | restore --undo [--yes] | restore --dry-run [--beside] [--json]',
    example: 'ovena --file=ovena-db-backup.sql restore',
    load: () => import('../commands/restore.ts'),
  },
  {
    name: 'drill',
    summary:
      'prove that a dump loads: into a throw-away database (no network), with checks and an RTO estimate; the archive is not touched',
    usage: 'ovena [--file=NAME] drill [--json]',
    example: 'ovena --file=ovena-db-backup.sql drill',
    load: () => import('../commands/drill.ts'),
  },
  {
    name: 'list',
    summary: 'list the dumps in the backup share, newest first',
    usage: 'ovena list [--json]',
    example: 'ovena list --json',
    load: () => import('../commands/list.ts'),
  },
  {
    name: 'prune',
    summary: 'remove old timestamped dumps by the retention policy (GFS), never the last good one',
    usage:
      'ovena prune [--dry-run] [--json] [--force] [--keep-last N] [--keep-hourly N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N]',
    example: 'ovena prune --dry-run',
    load: () => import('../commands/prune.ts'),
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
    name: 'schedule',
    summary: 'show or change when cron runs the backup (hourly, daily, weekly, off) or the drill',
    usage: 'ovena schedule [hourly|daily|weekly|off] | schedule drill [daily|weekly|off]',
    example: 'ovena schedule daily',
    load: () => import('../commands/schedule.ts'),
  },
  {
    name: 'cifs',
    summary:
      'show or change the NAS shares (server, share, user, password) and recreate their volumes',
    usage:
      'ovena cifs [show | set VOLUME [--server S] [--share PATH] [--username U] [--domain D] [--vers V] [--password-stdin] [--apply] | apply [VOLUME...]]',
    example:
      'printf \'%s\' "$NAS_PASSWORD" | ovena cifs set images --username svc-orthanc --password-stdin --apply',
    load: () => import('../commands/cifs.ts'),
  },
  {
    name: 'check',
    summary: 'one line for monitoring: exit 0 OK, 1 warning, 2 critical',
    usage: 'ovena check [--max-age=DURATION] [--json]',
    example: 'ovena check --max-age=26h',
    load: () => import('../commands/check.ts'),
  },
  {
    name: 'history',
    summary:
      'past backups, drills and prunes with a size/duration chart; --ack acknowledges an anomaly',
    usage: 'ovena history [--kind=backup|drill|prune|restore|ack] [--last=N] [--json] [--ack]',
    example: 'ovena history --kind=backup --last=30',
    load: () => import('../commands/history.ts'),
  },
  {
    name: 'images',
    summary:
      'check that the image files and the index agree; reconcile re-ingests orphans (exit 0 match, 1 differences)',
    usage:
      'ovena images check [--json] | ovena images reconcile [--forget-missing] [--yes] [--json]',
    example: 'ovena images check',
    load: () => import('../commands/images.ts'),
  },
  {
    name: 'home',
    summary: 'open the home screen: health, last backup and every task (the default on a terminal)',
    usage: 'ovena [home]',
    example: 'ovena',
    load: () => import('../commands/home.ts'),
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
