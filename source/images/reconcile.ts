import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, messageOf, OvenaError } from '../errors.ts';
import { OrthancClient } from '../orthanc/client.ts';
import { OrthancWriter } from '../orthanc/ingest.ts';
import type { ImagesCheck } from './check-result.ts';
import { composeCheckTarget } from './check-target.ts';
import { classifyFile } from './dicom-kind.ts';
import { readLines } from './lines.ts';
import { type CheckProgress, runImagesCheck } from './run-check.ts';
import { tarEntries } from './tar-entries.ts';

export type QuarantineReason = 'ingested' | 'partial' | 'not-dicom';

export type ReconcileReport = {
  at: string;
  storageDirectory: string;
  /** The quarantine folder in the storage folder (null when no orphan was found). */
  quarantine: string | null;
  reportFile: string | null;
  before: ImagesCheck;
  ingested: { count: number; items: Array<{ path: string; status: string; instanceId: string }> };
  quarantined: {
    count: number;
    items: Array<{ path: string; reason: QuarantineReason; detail?: string }>;
  };
  failed: { count: number; items: Array<{ path: string; error: string }> };
  forgotten: { count: number; items: string[] };
  /** The check after the changes (its counts; the full lists are in the state record). */
  after: ImagesCheck['counts'] | null;
  result: 'clean' | 'differences' | 'interrupted';
  ingestRate?: number;
};

export type ReconcileOptions = {
  forgetMissing: boolean;
  /** Asked once, after the report of the missing instances is written; false cancels the forgetting. */
  confirmForget(count: number, reportFile: string): Promise<boolean>;
  signal: AbortSignal;
  log(line: string): void;
  onProgress?(progress: CheckProgress): void;
  /** The check before and after (recorded as the last check by the caller). */
  onCheck?(check: ImagesCheck): Promise<void>;
  listLimit?: number;
};

/**
 * Orphans posted to Orthanc at once: Orthanc stores several files side by side (its HTTP threads and
 * index connections) while ovena reads and classifies the next ones; a few at a time keep ovena's
 * memory to a few files.
 */
export const postConcurrency = 4;

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Writes a line; returns a promise only when the stream asks to wait (backpressure). */
function writeLine(stream: WriteStream, line: string): Promise<void> | undefined {
  if (stream.write(`${line}\n`)) return undefined;
  return new Promise((resolve, reject) => {
    stream.once('drain', resolve).once('error', reject);
  });
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/** Fails with exit 69 when Orthanc does not answer: reconcile posts to it. */
export async function assertOrthancUp(compose: Compose, signal: AbortSignal): Promise<void> {
  const state = await compose.serviceState(compose.project.orthancService, signal);
  if (state.state !== 'running') {
    throw new OvenaError(
      `Orthanc is not running (${state.state}): start it with "ovena start", then reconcile; nothing was changed`,
      ExitCode.unavailable,
    );
  }
  try {
    await new OrthancClient(compose.project.orthancUrl).system(signal);
  } catch (error) {
    signal.throwIfAborted();
    throw new OvenaError(
      `${messageOf(error)}: reconcile needs Orthanc; nothing was changed`,
      ExitCode.unavailable,
    );
  }
}

/**
 * Runs the check, then: forgets the missing instances (with --forget-missing, after the report and
 * the confirmation), re-ingests the orphans that are complete DICOM files, and moves every handled
 * orphan into a quarantine folder on the same share. Never deletes a file.
 */
export async function reconcileImages(
  compose: Compose,
  options: ReconcileOptions,
): Promise<ReconcileReport> {
  const { signal, log } = options;
  await assertOrthancUp(compose, signal);
  const target = composeCheckTarget(compose);
  const directory = target.storageDirectory;
  const limit = options.listLimit ?? 1000;
  const scratch = await mkdtemp(path.join(tmpdir(), 'ovena-reconcile-'));
  const writer = new OrthancWriter(compose.project.orthancUrl, postConcurrency);
  const now = new Date();
  const quarantineName = `ovena-orphans-${stamp(now)}`;
  const reportName = `ovena-reconcile-${stamp(now)}.json`;
  const push = <T>(list: { count: number; items: T[] }, item: T) => {
    list.count++;
    if (list.items.length < limit) list.items.push(item);
  };
  try {
    const orphanFile = path.join(scratch, 'orphans');
    const missingFile = path.join(scratch, 'missing');
    const orphanStream = createWriteStream(orphanFile, { mode: 0o600 });
    const missingStream = createWriteStream(missingFile, { mode: 0o600 });
    let before: ImagesCheck;
    try {
      before = await runImagesCheck(target, {
        signal,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        onOrphan: (file) => writeLine(orphanStream, file.path),
        onMissing: (entry) =>
          entry.fileType === 1 && entry.resourceType === 3
            ? writeLine(missingStream, entry.resourceId)
            : undefined,
        listLimit: limit,
      });
    } finally {
      await closeStream(orphanStream);
      await closeStream(missingStream);
    }
    await options.onCheck?.(before);
    log(
      `check: ${before.counts.matched} matched, ${before.counts.missing} missing, ${before.counts.orphans} orphans, ${before.counts.sizeMismatches} size mismatches`,
    );
    const report: ReconcileReport = {
      at: now.toISOString(),
      storageDirectory: directory,
      quarantine: before.counts.orphans > 0 ? `${directory}/${quarantineName}` : null,
      reportFile: null,
      before,
      ingested: { count: 0, items: [] },
      quarantined: { count: 0, items: [] },
      failed: { count: 0, items: [] },
      forgotten: { count: 0, items: [] },
      after: null,
      result: 'differences',
    };
    const writeReport = async () => {
      await compose.execCapture(
        compose.project.orthancService,
        [
          'sh',
          '-c',
          'umask 077 && cat > "$1.tmp" && mv -f "$1.tmp" "$1"',
          'ovena-report',
          `${directory}/${reportName}`,
        ],
        { input: `${JSON.stringify(report, null, 2)}\n` },
      );
      report.reportFile = `${directory}/${reportName}`;
    };
    const missingInstances = before.missing.reduce(
      (sum, patient) =>
        sum + patient.studies.reduce((count, study) => count + study.instances.length, 0),
      0,
    );
    try {
      if (options.forgetMissing && before.counts.missing > 0) {
        await writeReport();
        log(`report of the missing instances written to ${report.reportFile}`);
        const total = before.truncated ? before.counts.missing : missingInstances;
        if (await options.confirmForget(total, report.reportFile ?? '')) {
          for await (const id of readLines(createReadStream(missingFile))) {
            signal.throwIfAborted();
            if (id === '') continue;
            await writer.deleteInstance(id, signal);
            push(report.forgotten, id);
            log(`forgot instance ${id} (its DICOM file is missing)`);
          }
        } else log('the missing instances are kept in the index');
      }
      if (before.counts.orphans > 0)
        await handleOrphans(
          compose,
          directory,
          quarantineName,
          orphanFile,
          report,
          push,
          writer,
          options,
        );
    } catch (error) {
      if (!signal.aborted) throw error;
      report.result = 'interrupted';
      await writeReport().catch(() => {});
      throw new OvenaError(
        `interrupted: ${report.ingested.count} orphans re-ingested, ${report.quarantined.count} moved to ${report.quarantine ?? 'quarantine'}, ${report.forgotten.count} instances forgotten; run "ovena images reconcile" again to continue`,
        ExitCode.interrupted,
      );
    }
    const after = await runImagesCheck(target, { signal, listLimit: limit });
    await options.onCheck?.(after);
    report.after = after.counts;
    report.result = after.result;
    if (report.quarantine || report.forgotten.count > 0 || report.reportFile) await writeReport();
    return report;
  } finally {
    writer.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

async function handleOrphans(
  compose: Compose,
  directory: string,
  quarantineName: string,
  orphanFile: string,
  report: ReconcileReport,
  push: <T>(list: { count: number; items: T[] }, item: T) => void,
  writer: OrthancWriter,
  options: ReconcileOptions,
): Promise<void> {
  const { signal, log } = options;
  const pending: string[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending.splice(0, pending.length);
    // Moves stay on the share (same filesystem: a rename); never a delete.
    await compose.execCapture(
      compose.project.orthancService,
      [
        'sh',
        '-c',
        'umask 077 && cd "$1" && mkdir -p "$2" && xargs -0 -r mv -n -t "$2" --',
        'ovena-quarantine',
        directory,
        quarantineName,
      ],
      { input: `${batch.join('\0')}\0` },
    );
  };
  const tar = new PassThrough();
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const reading = compose
    .execStream(
      compose.project.orthancService,
      [
        'tar',
        '-C',
        directory,
        '-cf',
        '-',
        '--ignore-failed-read',
        '--verbatim-files-from',
        '-T',
        '-',
      ],
      {
        signal: controller.signal,
        stdin: createReadStream(orphanFile),
        stdout: tar,
      },
    )
    .then(
      () => tar.end(),
      (error: unknown) => tar.destroy(error instanceof Error ? error : new Error(String(error))),
    );
  const started = Date.now();
  let posted = 0;
  let completed = false;
  // Posts in flight (at most postConcurrency); each settles by itself and never rejects.
  const inflight = new Set<Promise<void>>();
  const post = async (entryPath: string, dicom: Uint8Array, compressed: boolean) => {
    try {
      const answer = await writer.postInstance(dicom, signal);
      posted++;
      push(report.ingested, {
        path: entryPath,
        status: answer.status,
        instanceId: answer.instanceId,
      });
      push(report.quarantined, { path: entryPath, reason: 'ingested' });
      log(
        `re-ingested ${entryPath}${compressed ? ' (zlib)' : ''}: ${answer.status}, instance ${answer.instanceId}`,
      );
      pending.push(entryPath);
    } catch (error) {
      // Interrupted: Orthanc's answer is unknown, the file stays (a new run finds it AlreadyStored).
      if (signal.aborted) return;
      push(report.failed, { path: entryPath, error: messageOf(error) });
      log(`NOT re-ingested ${entryPath}: ${messageOf(error)} (left in place)`);
    }
  };
  try {
    for await (const entry of tarEntries(tar)) {
      signal.throwIfAborted();
      const kind = classifyFile(entry.data);
      if (kind.kind === 'dicom') {
        const task: Promise<void> = post(entry.path, kind.dicom, kind.compressed).finally(() =>
          inflight.delete(task),
        );
        inflight.add(task);
        if (inflight.size >= postConcurrency) await Promise.race(inflight);
      } else {
        push(report.quarantined, { path: entry.path, reason: kind.kind, detail: kind.reason });
        log(
          `quarantined ${entry.path}: ${kind.kind === 'partial' ? 'partial DICOM' : 'not DICOM'} (${kind.reason})`,
        );
        pending.push(entry.path);
      }
      if (pending.length >= 500) await flush();
    }
    await Promise.all(inflight);
    signal.throwIfAborted();
    completed = true;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!completed) controller.abort('stopped');
    tar.resume();
    await Promise.all(inflight);
    await reading;
    // What Orthanc accepted leaves the storage folder even after Ctrl-C: a new run then starts clean.
    await flush();
    const seconds = (Date.now() - started) / 1000;
    if (posted > 0) report.ingestRate = Math.round((posted / Math.max(seconds, 0.001)) * 10) / 10;
    if (report.quarantine)
      log(`${report.quarantined.count} orphan files moved to ${report.quarantine}`);
  }
}
