/** Every option ovena knows. `commands` lists where a non-global option is allowed. */
export type OptionSpec = {
  name: string;
  type: 'boolean' | 'string';
  short?: string;
  global?: boolean;
  commands?: string[];
  valueName?: string;
  description: string;
};

export const optionSpecs: OptionSpec[] = [
  {
    name: 'compose-file',
    type: 'string',
    global: true,
    valueName: 'PATH',
    description:
      'compose file(s), colon-separated (env OVENA_COMPOSE_FILE; default /etc/ovena/docker-compose.yml)',
  },
  {
    name: 'yes',
    short: 'y',
    type: 'boolean',
    global: true,
    description: 'answer yes to confirmations (needed off a terminal)',
  },
  { name: 'json', type: 'boolean', global: true, description: 'print machine-readable JSON' },
  { name: 'no-color', type: 'boolean', global: true, description: 'no colours (also NO_COLOR)' },
  { name: 'help', short: 'h', type: 'boolean', global: true, description: 'show help' },
  { name: 'version', short: 'V', type: 'boolean', global: true, description: 'show the version' },
  {
    name: 'file',
    type: 'string',
    // Global, as in the original script, which read --file before any command.
    global: true,
    valueName: 'NAME',
    description:
      'dump file name in the backup share, for backup and restore (default ovena-db-backup.sql)',
  },
  {
    name: 'compress',
    type: 'string',
    commands: ['backup'],
    valueName: 'gzip|zstd',
    description: 'compression of the dump (default: backup.compression in ovena.yml, else gzip)',
  },
  {
    name: 'no-fast-load',
    type: 'boolean',
    commands: ['restore'],
    description:
      'plain load: one psql stream through the database service. Default, the fast load: a one-off server with durability off (no network), the schema, then the data table by table, each committed on its own (no WAL), indexes and constraints in parallel sessions as soon as their tables are loaded, each table analyzed, then back to durable (flushed, the database restarted as configured, fsync/full_page_writes/wal_level checked)',
  },
  {
    name: 'no-safety-dump',
    type: 'boolean',
    commands: ['restore'],
    description: 'do not dump the current database before destroying it',
  },
  {
    name: 'beside',
    type: 'boolean',
    commands: ['restore'],
    description:
      'load into a new database beside the live one while Orthanc runs, then switch in seconds; the previous database is kept as <db>_before_<UTC>',
  },
  {
    name: 'undo',
    type: 'boolean',
    commands: ['restore'],
    description: 'switch back to the newest <db>_before_<UTC> database (seconds of downtime)',
  },
  {
    name: 'dry-run',
    type: 'boolean',
    commands: ['restore', 'prune'],
    description:
      'restore: check the dump and print the plan; prune: show what the policy keeps and removes; nothing changes',
  },
  {
    name: 'start',
    type: 'boolean',
    commands: ['restore'],
    description: 'start Orthanc after the restore',
  },
  {
    name: 'no-start',
    type: 'boolean',
    commands: ['restore'],
    description: 'leave Orthanc stopped after the restore',
  },
  {
    name: 'timestamp',
    type: 'boolean',
    commands: ['backup'],
    description: 'write STEM-YYYYMMDDTHHMMSSZ.sql.gz (UTC) instead of overwriting one file',
  },
  {
    name: 'force',
    type: 'boolean',
    commands: ['prune'],
    description: 'confirm a new or changed retention policy and apply it now',
  },
  ...(['last', 'hourly', 'daily', 'weekly', 'monthly'] as const).map(
    (rule): OptionSpec => ({
      name: `keep-${rule}`,
      type: 'string',
      commands: ['prune'],
      valueName: 'N',
      description: `keep ${rule === 'last' ? 'the N newest dumps' : `the newest dump of each of the N most recent ${rule === 'daily' ? 'days' : rule.replace(/ly$/, 's')}`} (overrides retention.${rule})`,
    }),
  ),
  {
    name: 'max-age',
    type: 'string',
    commands: ['check'],
    valueName: 'DURATION',
    description: 'oldest acceptable last backup, e.g. 2h, 1d',
  },
  {
    name: 'forget-missing',
    type: 'boolean',
    commands: ['images'],
    description: 'reconcile: delete the instances whose DICOM file is missing from the index',
  },
  {
    name: 'apply',
    type: 'boolean',
    commands: ['cifs'],
    description: 'recreate the changed volumes now',
  },
  {
    name: 'server',
    type: 'string',
    commands: ['cifs'],
    valueName: 'HOST',
    description: 'NAS host name',
  },
  {
    name: 'share',
    type: 'string',
    commands: ['cifs'],
    valueName: 'PATH',
    description: 'share path on the NAS',
  },
  {
    name: 'username',
    type: 'string',
    commands: ['cifs'],
    valueName: 'USER',
    description: 'NAS user name',
  },
  {
    name: 'domain',
    type: 'string',
    commands: ['cifs'],
    valueName: 'DOMAIN',
    description: 'NAS domain',
  },
  {
    name: 'vers',
    type: 'string',
    commands: ['cifs'],
    valueName: 'VERSION',
    description: 'SMB protocol version, e.g. 3.0',
  },
  {
    name: 'password-stdin',
    type: 'boolean',
    commands: ['cifs'],
    description: 'read the password from standard input',
  },
  {
    name: 'kind',
    type: 'string',
    commands: ['history'],
    valueName: 'KIND',
    description: 'only runs of this kind: backup, drill, prune, restore, ack',
  },
  {
    name: 'last',
    type: 'string',
    commands: ['history'],
    valueName: 'N',
    description: 'only the newest N runs (default: 20 rows; the chart and --json take all)',
  },
  {
    name: 'ack',
    type: 'boolean',
    commands: ['history'],
    description: 'acknowledge the flagged backup (records who and when); prune may run again',
  },
];

export function findOption(name: string): OptionSpec | undefined {
  return optionSpecs.find((spec) => spec.name === name);
}

export function findShortOption(short: string): OptionSpec | undefined {
  return optionSpecs.find((spec) => spec.short === short);
}
