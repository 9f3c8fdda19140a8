import { readFileSync } from 'node:fs';

/** A live ovena process on this host (a pid reused by another program does not count). */
export function isLiveOvena(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ovena');
  } catch {
    return true;
  }
}

/**
 * A process's start time in clock ticks after boot (field 22 of /proc/PID/stat), as text; together
 * with the pid it names one process for the life of the machine. Undefined when the process is
 * gone or /proc cannot tell.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

/** When this machine booted (`btime` in /proc/stat), in ms; undefined where /proc has no such line. */
export function bootTime(): number | undefined {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return match?.[1] ? Number(match[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
