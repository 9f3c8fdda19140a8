import { lstat, stat } from 'node:fs/promises';
import { ExitCode, OvenaError } from '../errors.ts';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(3, '0');

/**
 * Refuses a state directory that another user could swap or fill (exit 77): a symlink in its place
 * (it would lead ovena's markers, locks and records wherever it points) or one writable by every
 * user. A missing one is fine: it is created 0700 when first needed.
 */
export async function assertSafeStateDir(stateDir: string): Promise<void> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(stateDir);
  } catch {
    return;
  }
  if (info.isSymbolicLink()) {
    throw new OvenaError(
      `the state directory ${stateDir} is a symlink: ovena refuses to keep its restore marker and locks behind one; replace it by a real directory (mkdir -m 700)`,
      ExitCode.noPermission,
    );
  }
  if (info.isDirectory() && (info.mode & 0o002) !== 0) {
    throw new OvenaError(
      `the state directory ${stateDir} is writable by every user (mode ${octal(info.mode)}): anyone could forge its restore marker or locks; run "chmod 700 ${stateDir}"`,
      ExitCode.noPermission,
    );
  }
}

/** A warning per compose file readable by others (it holds the database and NAS passwords). */
export async function composeFileWarnings(files: readonly string[]): Promise<string[]> {
  const warnings: string[] = [];
  for (const file of files) {
    const info = await stat(file).catch(() => undefined);
    if (info?.isFile() && (info.mode & 0o044) !== 0) {
      warnings.push(
        `warning: the compose file ${file} is readable by others (mode ${octal(info.mode)}) and holds passwords: run "chmod 600 ${file}"`,
      );
    }
  }
  return warnings;
}
