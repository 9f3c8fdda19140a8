import { OvenaError } from '../errors.ts';
import type { SafetyDumper } from './restore-job.ts';

/** The backup engine's atomic dump, used for the safety dump before a restore destroys anything. */
export const safetyDumper: SafetyDumper = async () => {
  throw new OvenaError(
    'the safety dump needs the backup engine, which this build does not include: pass --no-safety-dump after making a backup yourself',
  );
};
