import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../files/write-file-atomic.ts';

/** The logrotate rule shipped with ovena (docker/logrotate/ovena), from source/ and dist/ alike. */
export const packagedLogrotate = fileURLToPath(
  new URL('../../docker/logrotate/ovena', import.meta.url),
);

/** /etc/logrotate.d/ovena (the cron folder's sibling: OVENA_CRON_DIR is /etc in production). */
export function logrotatePath(cronDir: string): string {
  return path.join(cronDir, 'logrotate.d', 'ovena');
}

/** Installs (or refreshes) the rule atomically, mode 0644 as logrotate wants; returns its path. */
export async function installLogrotate(cronDir: string): Promise<string> {
  const target = logrotatePath(cronDir);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  await writeFileAtomic(target, await readFile(packagedLogrotate), { mode: 0o644 });
  return target;
}
