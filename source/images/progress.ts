import type { Writable } from 'node:stream';
import { formatTimestamp } from '../format.ts';
import type { CheckProgress } from './run-check.ts';

/**
 * Progress of a check: on a terminal one line rewritten in place (files scanned, rate); elsewhere
 * a plain line at most every 10 seconds.
 */
export function progressReporter(
  stream: Writable,
  terminal: boolean,
): { update(progress: CheckProgress): void; end(): void } {
  let lastLine = 0;
  let drawn = false;
  const text = (progress: CheckProgress) => {
    const rate =
      progress.elapsedMs > 0 ? Math.round((progress.files * 1000) / progress.elapsedMs) : 0;
    return `scanned ${progress.files} files, ${progress.indexed} index entries (${rate} files/s)`;
  };
  return {
    update(progress) {
      if (terminal) {
        stream.write(`\r\u001B[K${text(progress)}`);
        drawn = true;
        return;
      }
      const now = Date.now();
      if (now - lastLine < 10_000) return;
      if (lastLine === 0 && progress.elapsedMs < 10_000) {
        lastLine = now - progress.elapsedMs;
        return;
      }
      lastLine = now;
      stream.write(`${formatTimestamp(now)} ${text(progress)}\n`);
    },
    end() {
      if (terminal && drawn) stream.write('\r\u001B[K');
    },
  };
}
