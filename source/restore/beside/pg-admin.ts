import type { Compose } from '../../compose/compose.ts';
import {
  containerTarget,
  type PgTarget,
  queryTarget,
  serviceTarget,
} from '../../load/pg-target.ts';
import { type BesideKind, ident, literal, stampOf, stampTime } from './names.ts';

/*
 * The catalog work of a beside restore, all through the db container's own psql: which
 * databases exist, creating one like the live one, dropping leftovers. Statements that must not
 * run inside the database they change go through the `postgres` database.
 */

/** The db service's PostgreSQL, connected to another database of the same cluster. */
export function databaseTarget(compose: Compose, database: string): PgTarget {
  return { ...serviceTarget(compose), database };
}

/** The maintenance database: renames, drops and creates run from here, never from <db>. */
export function adminTarget(compose: Compose): PgTarget {
  return databaseTarget(compose, 'postgres');
}

export function runSql(compose: Compose, sql: string, signal?: AbortSignal): Promise<string[]> {
  return queryTarget(adminTarget(compose), sql, signal);
}

/**
 * A `runSql` through `docker exec` on the db container found once (no compose per statement):
 * the switch runs its statements while Orthanc is down, where every second counts.
 */
export async function directSql(
  compose: Compose,
  signal?: AbortSignal,
): Promise<(sql: string) => Promise<string[]>> {
  const containerId = await compose.runningContainer(compose.project.dbService, signal);
  const target = containerTarget({
    containerId,
    where: `the ${compose.project.dbService} container`,
    user: compose.project.dbUser,
    database: 'postgres',
    env: compose.env,
  });
  return (sql) => queryTarget(target, sql);
}

export async function databaseNames(compose: Compose, signal?: AbortSignal): Promise<Set<string>> {
  return new Set(await runSql(compose, 'SELECT datname FROM pg_database', signal));
}

export type KeptDatabase = { name: string; at: Date; sizeBytes: number };

/** The `<db>_before_*` (or `_restore_*`) databases, newest first, with their size. */
export async function besideDatabases(
  compose: Compose,
  kind: BesideKind,
  signal?: AbortSignal,
): Promise<KeptDatabase[]> {
  const live = compose.project.dbName;
  const rows = await runSql(
    compose,
    'SELECT datname, pg_database_size(oid) FROM pg_database WHERE NOT datistemplate',
    signal,
  );
  const found: KeptDatabase[] = [];
  for (const row of rows) {
    const [name = '', size = '0'] = row.split('|');
    const stamp = stampOf(name, live, kind);
    if (stamp) found.push({ name, at: stampTime(stamp), sizeBytes: Number(size) });
  }
  return found.sort((a, b) => b.at.getTime() - a.at.getTime());
}

/**
 * Drops a half-loaded database after a failure, retrying while the server does not accept
 * connections (e.g. it is in crash recovery): returns whether it is gone.
 */
export async function dropWhenPossible(
  compose: Compose,
  name: string,
  timeoutMs = 120_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await dropDatabase(compose, name);
      return true;
    } catch {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

export async function dropDatabase(
  compose: Compose,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  // FORCE (PostgreSQL 13+) ends the sessions of a killed load that may linger a moment.
  await runSql(compose, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`, signal);
}

/**
 * Creates `name` like the live database: TEMPLATE template0 with its owner, encoding and locale;
 * then its database-level settings (ALTER DATABASE … SET, also per role) and its grants, which a
 * plain dump does not carry.
 */
export async function createLikeLive(
  compose: Compose,
  name: string,
  signal?: AbortSignal,
): Promise<void> {
  const live = literal(compose.project.dbName);
  const [row = ''] = await runSql(
    compose,
    `SELECT pg_get_userbyid(datdba), pg_encoding_to_char(encoding), datcollate, datctype, datlocprovider, coalesce(daticulocale, '') FROM pg_database WHERE datname = ${live}`,
    signal,
  );
  const [owner = '', encoding = 'UTF8', collate = '', ctype = '', provider = 'c', icu = ''] =
    row.split('|');
  const locale =
    provider === 'i'
      ? ` LOCALE_PROVIDER icu ICU_LOCALE ${literal(icu)}`
      : ` LC_COLLATE ${literal(collate)} LC_CTYPE ${literal(ctype)}`;
  await runSql(
    compose,
    `CREATE DATABASE ${ident(name)} WITH TEMPLATE template0 OWNER ${ident(owner)} ENCODING ${literal(encoding)}${locale}`,
    signal,
  );
  for (const statement of await copyStatements(compose, name, signal))
    await runSql(compose, statement, signal);
}

/**
 * Settings whose value is a list of names, stored double-quoted where needed (pg_dump's
 * variable_is_guc_list_quote): one quoted string would make the whole list a single name.
 */
const listSettings = new Set([
  'local_preload_libraries',
  'search_path',
  'session_preload_libraries',
  'shared_preload_libraries',
  'temp_tablespaces',
  'unix_socket_directories',
]);

/** A list setting's stored value (`public, "$user"`) as its names, quotes undone. */
export function splitListSetting(value: string): string[] {
  const names: string[] = [];
  let index = 0;
  for (;;) {
    while (value[index] === ' ') index++;
    let name = '';
    if (value[index] === '"') {
      index++;
      while (index < value.length) {
        if (value[index] === '"') {
          if (value[index + 1] !== '"') break;
          index++;
        }
        name += value[index];
        index++;
      }
      index++;
      // A quoted name is whole: what follows up to the comma is only spaces.
      while (index < value.length && value[index] !== ',') index++;
    } else {
      while (index < value.length && value[index] !== ',') name += value[index++];
      name = name.trimEnd();
    }
    names.push(name);
    if (index >= value.length) return names;
    index++;
  }
}

/**
 * One row of pg_db_role_setting ("name=value", and the role it is for, or none for the whole
 * database) as the statement that gives database `target` the same setting.
 */
export function settingStatement(role: string, setting: string, target: string): string {
  const equals = setting.indexOf('=');
  const key = setting.slice(0, equals);
  const value = setting.slice(equals + 1);
  const scope = role ? `ROLE ${ident(role)} IN DATABASE ${target}` : `DATABASE ${target}`;
  const values = listSettings.has(key.toLowerCase())
    ? splitListSetting(value).map(literal).join(', ')
    : literal(value);
  return `ALTER ${scope} SET ${ident(key)} = ${values}`;
}

/** The settings and grants of the live database, as statements for `name`. */
async function copyStatements(
  compose: Compose,
  name: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const live = literal(compose.project.dbName);
  const target = ident(name);
  const statements: string[] = [];
  // Settings: one row a setting, "role|name=value" (role empty for the whole database).
  const settings = await runSql(
    compose,
    `SELECT coalesce(pg_get_userbyid(nullif(s.setrole, 0)), ''), unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = ${live}`,
    signal,
  );
  for (const row of settings) {
    const bar = row.indexOf('|');
    statements.push(settingStatement(row.slice(0, bar), row.slice(bar + 1), target));
  }
  // Grants: only when the live database has its own ACL (NULL is the default that CREATE gives).
  const grants = await runSql(
    compose,
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.privilege_type, a.is_grantable FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = ${live}`,
    signal,
  );
  if (grants.length > 0) {
    statements.push(`REVOKE ALL ON DATABASE ${target} FROM PUBLIC`);
    for (const row of grants) {
      const [grantee = 'PUBLIC', privilege = 'CONNECT', grantable = 'f'] = row.split('|');
      statements.push(
        `GRANT ${privilege} ON DATABASE ${target} TO ${grantee}${grantable === 't' ? ' WITH GRANT OPTION' : ''}`,
      );
    }
  }
  return statements;
}
