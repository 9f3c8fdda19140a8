/** Human-readable numbers for an operator's screen and log. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}

/** Step durations in logs: tenths of a second up to a minute, so a log can be measured from. */
export function formatStepDuration(ms: number): string {
  return ms >= 0 && ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

/** Age of a past moment, e.g. "3h 12m ago" style without the "ago". */
export function formatAge(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * How long ago a file was written, as the picker, list and plan show it. A time more than a minute
 * ahead of this host's clock (a NAS whose clock runs ahead) says so rather than "0s ago", so a
 * skewed dump never passes for the newest one.
 */
export function formatAgo(ms: number): string {
  return ms < -60_000 ? `${formatAge(-ms)} ahead of this clock` : `${formatAge(ms)} ago`;
}

export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return '?';
  return `${formatBytes((bytes * 1000) / ms)}/s`;
}

/** Estimated time left, from the average rate so far; undefined when it cannot be known yet. */
export function estimateRemainingMs(
  done: number,
  total: number | undefined,
  elapsedMs: number,
): number | undefined {
  if (total === undefined || done <= 0 || elapsedMs < 500 || done >= total) return undefined;
  return ((total - done) * elapsedMs) / done;
}

export function formatTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function formatAmount(
  done: number,
  total: number | undefined,
  unit: 'bytes' | 'items' | undefined,
): string {
  const show = unit === 'bytes' ? formatBytes : (value: number) => String(value);
  return total === undefined ? show(done) : `${show(done)} / ${show(total)}`;
}
