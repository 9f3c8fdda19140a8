import { dumpToShare } from '../backup/dump-steps.ts';
import type { SafetyDumper } from './restore-job.ts';

/**
 * The backup's own dump steps (dump-steps.ts), run inside the restore's safety-dump step before
 * anything is destroyed; their progress is the backup's, unchanged.
 */
export const safetyDumper: SafetyDumper = (compose, options) =>
  dumpToShare(compose, {
    fileName: options.fileName,
    signal: options.signal,
    progress: options.onProgress,
  });
