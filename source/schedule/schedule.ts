import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, OvenaError, UsageError } from '../errors.ts';
import { syncDirectory, writeFileAtomic } from '../files/write-file-atomic.ts';
import { installLogrotate } from './logrotate.ts';

export const schedules = ['hourly', 'daily', 'weekly'] as const;
export type Frequency = (typeof schedules)[number];
export type Schedule = Frequency | 'off';

/** No dot in the name: run-parts skips such files, so the wrapper would never run. */
export const wrapperName = 'ovena-backup';
/** The drill's own cron wrapper (docker/cron/ovena-drill), daily or weekly. */
export const drillWrapperName = 'ovena-drill';

/** The wrapper shipped with ovena (docker/cron/ovena-backup), from source/ and dist/ alike. */
export const packagedWrapper = fileURLToPath(
  new URL(`../../docker/cron/${wrapperName}`, import.meta.url),
);

export function packagedWrapperOf(wrapper: string): string {
  return fileURLToPath(new URL(`../../docker/cron/${wrapper}`, import.meta.url));
}

export type ScheduleState = {
  schedule: Schedule;
  /** Where the wrapper is, when scheduled. */
  path?: string;
  /** Other copies found (manual edits); `setSchedule` removes them. */
  extra: string[];
};

export function folderOf(cronDir: string, frequency: Frequency): string {
  return path.join(cronDir, `cron.${frequency}`);
}

export function parseSchedule(value: string): Schedule {
  if (value === 'off' || (schedules as readonly string[]).includes(value)) return value as Schedule;
  throw new UsageError(`unknown schedule "${value}": use hourly, daily, weekly or off`);
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The current schedule: which cron.{hourly,daily,weekly} folder holds the wrapper. */
export async function readSchedule(
  cronDir: string,
  wrapper: string = wrapperName,
): Promise<ScheduleState> {
  const found: Array<{ frequency: Frequency; path: string }> = [];
  for (const frequency of schedules) {
    const file = path.join(folderOf(cronDir, frequency), wrapper);
    if (await isFile(file)) found.push({ frequency, path: file });
  }
  const [first, ...rest] = found;
  if (!first) return { schedule: 'off', extra: [] };
  return { schedule: first.frequency, path: first.path, extra: rest.map((entry) => entry.path) };
}

/** Puts a fresh copy of the packaged wrapper into `folder` atomically (dotted temp name: run-parts skips it). */
async function installInto(folder: string, source: string, wrapper: string): Promise<string> {
  const target = path.join(folder, wrapper);
  await writeFileAtomic(target, await readFile(source), { mode: 0o755 });
  return target;
}

export type ScheduleChange = { before: ScheduleState; after: ScheduleState; changed: boolean };

/**
 * Moves the wrapper to the folder of `target` with one rename(2): at no moment are there two
 * copies or none. `off` removes it. Extra copies left by hand are removed.
 */
export async function setSchedule(
  cronDir: string,
  target: Schedule,
  options: { wrapperSource?: string; wrapper?: string } = {},
): Promise<ScheduleChange> {
  const wrapper = options.wrapper ?? wrapperName;
  const before = await readSchedule(cronDir, wrapper);
  try {
    if (target === 'off') {
      for (const file of [before.path, ...before.extra]) if (file) await rm(file, { force: true });
    } else {
      const folder = folderOf(cronDir, target);
      await mkdir(folder, { recursive: true, mode: 0o755 });
      const destination = path.join(folder, wrapper);
      if (before.path && before.path !== destination) {
        try {
          await rename(before.path, destination);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
          // Different file systems: install the new copy first, then remove the old one.
          await installInto(folder, before.path, wrapper);
          await rm(before.path, { force: true });
        }
        await syncDirectory(folder);
        await syncDirectory(path.dirname(before.path));
      } else if (!before.path) {
        await installInto(folder, options.wrapperSource ?? packagedWrapperOf(wrapper), wrapper);
      }
      // The backup wrapper's log grows every run: its rotation comes with it.
      if (wrapper === wrapperName) await installLogrotate(cronDir);
      for (const file of before.extra) if (file !== destination) await rm(file, { force: true });
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new OvenaError(
        `not allowed to change the cron folders in ${cronDir}: run ovena as root`,
        ExitCode.noPermission,
      );
    }
    throw error;
  }
  const after = await readSchedule(cronDir, wrapper);
  return {
    before,
    after,
    changed: before.schedule !== after.schedule || before.extra.length > 0,
  };
}

/** The wrapper's content as installed, e.g. to show it; undefined when off. */
export async function readWrapper(state: ScheduleState): Promise<string | undefined> {
  return state.path ? readFile(state.path, 'utf8') : undefined;
}

export function describeSchedule(state: ScheduleState, wrapper: string = wrapperName): string {
  if (state.schedule === 'off')
    return `off (no ${wrapper} wrapper in cron.hourly, cron.daily or cron.weekly)`;
  return `${state.schedule} (${state.path})${state.extra.length > 0 ? `; extra copies: ${state.extra.join(', ')}` : ''}`;
}
