import type { Compose } from '../../compose/compose.ts';
import { formatBytes, formatDuration } from '../../format.ts';
import type { RestorePlan } from '../preflight.ts';
import { type BesideDisk, besideDisk } from './disk.ts';
import type { KeptDatabase } from './pg-admin.ts';
import { readSwitchRecord } from './switch-record.ts';

/** What a dry run says about the mode (issue 18): which one, the disk, the expected downtime. */
export type ModeReport = {
  mode: 'beside' | 'from-scratch';
  disk: { needBytes: number; freeBytes: number } | null;
  /** Beside only: whether the disk allows it. */
  diskEnough: boolean | null;
  downtime: string;
  /** The `<db>_before_*` databases a from-scratch restore destroys with the volume. */
  destroys: KeptDatabase[];
};

export async function modeReport(
  compose: Compose,
  plan: RestorePlan,
  options: { beside: boolean; stateDir: string; rtoText: string | undefined; signal?: AbortSignal },
): Promise<ModeReport> {
  let disk: BesideDisk | undefined;
  try {
    disk = await besideDisk(compose, plan.dump, options.signal);
  } catch {
    disk = undefined; // the database is down: a dry run starts nothing
  }
  const record = await readSwitchRecord(options.stateDir);
  const downtime = options.beside
    ? record
      ? `about ${formatDuration(record.downtimeMs)} (the switch measured here at ${record.at}); Orthanc serves through the load`
      : 'the switch only (stop Orthanc, two renames, start Orthanc; not yet measured here); Orthanc serves through the load'
    : `the whole restore: ${options.rtoText ?? 'unknown (run "ovena drill" to measure it)'}`;
  return {
    mode: options.beside ? 'beside' : 'from-scratch',
    disk: disk ? { needBytes: disk.needBytes, freeBytes: disk.freeBytes } : null,
    diskEnough: disk ? disk.freeBytes >= disk.needBytes : null,
    downtime,
    destroys: options.beside ? [] : (plan.keptDatabases ?? []),
  };
}

export function modeLines(report: ModeReport, database: string): string[] {
  const lines =
    report.mode === 'beside'
      ? [
          `Mode        beside: load into ${database}_restore_<UTC> while Orthanc runs, switch by renames; ${database} is kept as ${database}_before_<UTC>`,
        ]
      : [
          `Mode        from scratch: the database volume is removed and ${database} loaded anew ("--beside" loads next to it instead)`,
        ];
  if (report.disk) {
    const { needBytes, freeBytes } = report.disk;
    lines.push(
      report.mode === 'beside'
        ? `Disk        needs about ${formatBytes(needBytes)} in the database volume, ${formatBytes(freeBytes)} free${report.diskEnough ? '' : ': NOT ENOUGH, a beside restore would be refused'}`
        : `Disk        a beside restore would need about ${formatBytes(needBytes)}, ${formatBytes(freeBytes)} free`,
    );
  } else lines.push('Disk        unknown: the database is not running');
  lines.push(`Downtime    ${report.downtime}`);
  return lines;
}
