import { createInterface } from 'node:readline/promises';
import type { Compose } from '../../compose/compose.ts';
import type { CommandContext } from '../../context.ts';
import { messageOf } from '../../errors.ts';
import { formatTimestamp } from '../../format.ts';
import type { ImagesCheck } from '../../images/check-result.ts';
import { writeLastImagesCheck } from '../../images/last-check.ts';
import { reconcileImages } from '../../images/reconcile.ts';
import { takeReconcileLock } from '../../images/reconcile-guard.ts';
import { redactSecrets } from '../../secrets/redact.ts';

/**
 * The end of an interactive restore that started Orthanc: when the images check found orphans
 * (files newer than the dump) or missing files, offer "Check and reconcile image files" with the
 * counts. The restore's lock is released by then: the reconcile takes its own (images-reconcile).
 * Missing instances are only listed here: forgetting them is `ovena images reconcile
 * --forget-missing`, a decision of its own.
 */
export async function offerReconcile(
  context: CommandContext,
  compose: Compose,
  check: ImagesCheck | undefined,
  signal: AbortSignal,
): Promise<void> {
  if (!check || check.result === 'clean') return;
  const out = context.io.stdout;
  const { counts } = check;
  out.write(
    `\nImage files: ${counts.matched} match, ${counts.orphans} orphans (files newer than the dump), ${counts.missing} missing, ${counts.sizeMismatches} size mismatches.\n`,
  );
  if (counts.orphans === 0) {
    out.write('"ovena images check" lists the missing files by patient and study.\n');
    return;
  }
  // Ink unrefs stdin when it unmounts: without a ref the process would exit while asking.
  (context.io.stdin as NodeJS.ReadStream).ref?.();
  const prompt = createInterface({ input: context.io.stdin, output: out });
  let answer: string;
  try {
    answer = await prompt.question(
      `Check and reconcile image files now? (re-ingests the ${counts.orphans} orphans that are DICOM, moves them to a quarantine folder) [y/N] `,
      { signal },
    );
  } catch {
    return;
  } finally {
    prompt.close();
  }
  if (!/^y(es)?$/i.test(answer.trim())) {
    out.write('Later: "ovena images reconcile".\n');
    return;
  }
  let lock: Awaited<ReturnType<typeof takeReconcileLock>> | undefined;
  try {
    lock = await takeReconcileLock(context.paths.stateDir);
    const report = await reconcileImages(compose, {
      forgetMissing: false,
      confirmForget: async () => false,
      signal,
      log: (line) => out.write(`${formatTimestamp(Date.now())} ${line}\n`),
      onCheck: (result) => writeLastImagesCheck(context.paths.stateDir, result),
    });
    const after = report.after;
    out.write(
      `Reconciled: ${report.ingested.count} re-ingested, ${report.quarantined.count} moved to ${report.quarantine ?? '-'}; now ${after?.matched ?? '?'} match, ${after?.orphans ?? '?'} orphans, ${after?.missing ?? '?'} missing.\n`,
    );
  } catch (error) {
    out.write(`Reconcile stopped: ${redactSecrets(messageOf(error))}\n`);
  } finally {
    await lock?.release();
  }
}
