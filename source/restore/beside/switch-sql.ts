import { ident, literal } from './names.ts';

/**
 * The switch as statements, run one by one from a connection to a third database (`postgres`):
 * no session may be connected to a database that is renamed. `live` becomes `before` and
 * `incoming` becomes `live` in ONE transaction, so there is never a moment without `live`.
 */
export type SwitchNames = { live: string; incoming: string; before: string };

export type SwitchStatement = { id: SwitchStatementId; sql: string };

export const switchStatementIds = ['block', 'terminate', 'rename', 'allow'] as const;
export type SwitchStatementId = (typeof switchStatementIds)[number];

export function terminateSql(databases: readonly string[]): string {
  return `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN (${databases.map(literal).join(', ')}) AND pid <> pg_backend_pid()`;
}

/** Sessions still connected to any of the databases (they take a moment to go after terminate). */
export function sessionsSql(databases: readonly string[]): string {
  return `SELECT count(*) FROM pg_stat_activity WHERE datname IN (${databases.map(literal).join(', ')}) AND pid <> pg_backend_pid()`;
}

export function renameSql(names: SwitchNames): string {
  return [
    'BEGIN',
    `ALTER DATABASE ${ident(names.live)} RENAME TO ${ident(names.before)}`,
    `ALTER DATABASE ${ident(names.incoming)} RENAME TO ${ident(names.live)}`,
    'COMMIT',
  ].join('; ');
}

export function allowSql(databases: readonly string[], allow: boolean): string {
  return databases
    .map((name) => `ALTER DATABASE ${ident(name)} ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`)
    .join('; ');
}

export function switchStatements(names: SwitchNames): SwitchStatement[] {
  return [
    { id: 'block', sql: allowSql([names.live, names.incoming], false) },
    { id: 'terminate', sql: terminateSql([names.live, names.incoming]) },
    { id: 'rename', sql: renameSql(names) },
    { id: 'allow', sql: allowSql([names.live, names.before], true) },
  ];
}

/**
 * Where a switch stands, from which names exist: `renamed` (the transaction committed: finish it),
 * `not-renamed` (it did not: roll back to the previous names), or `unknown` (neither picture fits).
 */
export function switchState(
  names: SwitchNames,
  existing: ReadonlySet<string>,
): 'renamed' | 'not-renamed' | 'unknown' {
  const live = existing.has(names.live);
  const incoming = existing.has(names.incoming);
  const before = existing.has(names.before);
  if (live && before && !incoming) return 'renamed';
  if (live && incoming && !before) return 'not-renamed';
  return 'unknown';
}
