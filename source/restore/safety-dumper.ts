import { dumpToShare } from '../backup/dump-to-share.ts';
import type { SafetyDumper } from './restore-job.ts';

/**
 * The backup engine's atomic, verified dump, used for the safety dump before a restore destroys
 * anything. Progress: tables started out of the catalog's count, plus compressed bytes written.
 */
export const safetyDumper: SafetyDumper = (compose, options) =>
  dumpToShare(compose, {
    fileName: options.fileName,
    signal: options.signal,
    onProgress: (progress) =>
      options.onProgress({
        done: progress.tablesDone,
        ...(progress.tablesTotal === undefined ? {} : { total: progress.tablesTotal }),
        unit: 'items',
        detail:
          `${progress.currentTable ?? ''} ${(progress.bytes / 1e6).toFixed(1)} MB written`.trim(),
      }),
  });
