import { drillLine } from '../drill/drill-status.ts';
import { formatAge, formatBytes, formatDuration } from '../format.ts';
import { describeAnomaly } from '../history/anomaly.ts';
import { imagesStatusLine } from '../images/last-check.ts';
import { describeSchedule } from '../schedule/schedule.ts';
import type { ArchiveStatus } from './collect-status.ts';

/** `ovena status` as text: services, Orthanc, shares, what is down, the restore and the backup. */
export function backupLines(status: ArchiveStatus, now = Date.now()): string[] {
  const lines: string[] = [];
  const last = status.lastBackup;
  if (status.lastBackupUnreadable) lines.push(`Backup    ${status.lastBackupUnreadable}`);
  else if (status.lastBackup === null) lines.push('Backup    none recorded on this host');
  else if (last) {
    const age = formatAge(now - Date.parse(last.at));
    if (last.result === 'ok') {
      lines.push(
        `Backup    ${age} ago: ${last.file}, ${formatBytes(last.sizeBytes)} in ${formatDuration(last.durationMs)}`,
      );
    } else {
      lines.push(`Backup    FAILED ${age} ago: ${last.error ?? 'unknown error'}`);
      const good = last.lastSuccess;
      lines.push(
        good
          ? `          last good ${formatAge(now - Date.parse(good.at))} ago: ${good.file}, ${formatBytes(good.sizeBytes)}`
          : '          no successful backup recorded on this host',
      );
    }
  }
  if (status.schedule) lines.push(`Schedule  ${describeSchedule(status.schedule)}`);
  if (status.lastDrill !== undefined) {
    lines.push(`Drill     ${drillLine(status.lastDrill ?? undefined, now)}`);
    if (status.drillSchedule && status.drillSchedule.schedule !== 'off')
      lines.push(`          scheduled ${status.drillSchedule.schedule}`);
  }
  return lines;
}

export function statusLines(status: ArchiveStatus, now = Date.now()): string[] {
  const rows = status.services.map((service) => {
    const since =
      service.state === 'running' && service.startedAt
        ? formatAge(now - Date.parse(service.startedAt))
        : '-';
    return [service.service, service.state, service.health ?? '-', since];
  });
  const header = ['SERVICE', 'STATE', 'HEALTH', 'UP FOR'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const format = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [
    `Compose   ${status.composeFiles.join(':')} (compose ${status.composeVersion})`,
    '',
    format(header),
    ...rows.map(format),
    '',
  ];
  const { orthanc } = status;
  if (orthanc.reachable && orthanc.statistics) {
    const counts = orthanc.statistics;
    lines.push(
      `Orthanc   ${orthanc.version ?? '?'} at ${orthanc.url}: ${counts.CountPatients} patients, ${counts.CountStudies} studies, ${counts.CountInstances} instances`,
    );
  } else {
    lines.push(
      `Orthanc   not answering at ${orthanc.url}${orthanc.error ? ` (${orthanc.error})` : ''}`,
    );
  }
  if (status.shares.length > 0) {
    lines.push(
      `Shares    ${status.shares.map((share) => `${share.volume} ${share.configured ? `//${share.server}/${share.share}` : 'NOT CONFIGURED'}`).join(', ')}`,
    );
    if (status.shares.some((share) => !share.configured))
      lines.push(
        '          fill in the NAS shares with "ovena cifs" (template placeholders found)',
      );
  }
  const down = status.services.filter((service) => !service.up);
  if (down.length > 0) {
    lines.push(
      `DOWN      ${down.map((service) => `${service.service} (${service.health === 'unhealthy' ? 'unhealthy' : service.state})`).join(', ')}: "ovena start" starts it`,
    );
  }
  for (const file of status.unreadableLocks ?? []) {
    lines.push(
      `LOCK      the lock file ${file} cannot be read: a restore or cifs apply refuses while it is there; remove it if no ovena runs`,
    );
  }
  const restore = status.unfinishedRestore;
  if (restore?.unreadable) {
    lines.push(
      `RESTORE   the restore marker ${restore.unreadable} cannot be read: a restore may have stopped half-way, so start and backup refuse; check the database, then complete it with "${restore.command}" or remove the file`,
    );
  } else if (restore?.beside) {
    lines.push(
      `RESTORE   the switch of a beside restore of ${restore.dump} did not finish (started ${restore.startedAt}): "${restore.command}" finishes or undoes it`,
    );
  } else if (restore) {
    lines.push(
      `RESTORE   a restore of ${restore.dump} did not finish (started ${restore.startedAt}): the database is only partly loaded; "${restore.command}" completes it${restore.safetyDump ? ` (safety dump: ${restore.safetyDump})` : ''}`,
    );
  }
  lines.push(...backupLines(status, now));
  if (status.anomaly) lines.push(`ANOMALY   ${describeAnomaly(status.anomaly)}`);
  if (status.lastImagesCheck !== undefined) lines.push(imagesStatusLine(status.lastImagesCheck));
  return lines;
}
