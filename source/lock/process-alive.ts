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

/** When this machine booted (`btime` in /proc/stat), in ms; undefined where /proc has no such line. */
export function bootTime(): number | undefined {
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return match?.[1] ? Number(match[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
