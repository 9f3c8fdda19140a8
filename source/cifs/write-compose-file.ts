import { randomBytes } from 'node:crypto';
import { chown, open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import { redactSecrets } from '../secrets/redact.ts';

/** Secrets as they may appear in compose's messages: plain, and as written in the file. */
export function secretSpellings(passwords: Iterable<string | undefined>): string[] {
  const result = new Set<string>();
  for (const password of passwords) {
    if (!password) continue;
    result.add(password);
    const escaped = password.replaceAll('$', '$$$$');
    result.add(escaped);
    result.add(escaped.replaceAll(',', ',,'));
    result.add(JSON.stringify(escaped.replaceAll(',', ',,')).slice(1, -1));
  }
  // Longest first, so a secret is never half-replaced by a shorter one it contains.
  return [...result].sort((a, b) => b.length - a.length);
}

/**
 * Replaces a compose file after compose's own validator accepted the candidate with the full file
 * list: candidate in the same folder (0600, owner kept, fsynced), `config -q`, previous version
 * kept as FILE.bak (0600), rename, folder fsync. On rejection the file is left as it was.
 */
export async function replaceComposeFile(options: {
  compose: Compose;
  files: readonly string[];
  file: string;
  originalText: string;
  newText: string;
  secrets: readonly string[];
}): Promise<void> {
  const { compose, files, file, originalText, newText, secrets } = options;
  const current = await readFile(file, 'utf8');
  if (current !== originalText)
    throw new OvenaError(
      `${file} changed while ovena was editing it: nothing was written; run the command again`,
      ExitCode.busy,
    );
  const previous = await stat(file);
  const directory = path.dirname(file);
  const candidate = path.join(
    directory,
    `.${path.basename(file)}.ovena-${randomBytes(6).toString('hex')}.tmp`,
  );
  const handle = await open(candidate, 'wx', 0o600);
  let renamed = false;
  try {
    await handle.writeFile(newText);
    await handle.chmod(0o600);
    await chown(candidate, previous.uid, previous.gid).catch(() => {});
    await handle.sync();
    await handle.close();

    const list = files.map((entry) =>
      path.resolve(entry) === path.resolve(file) ? candidate : entry,
    );
    const verdict = await compose.validateFiles(list);
    if (!verdict.valid) {
      const message = redactSecrets(
        verdict.message
          .replaceAll(candidate, file)
          .split('\n')
          .filter(Boolean)
          .slice(0, 3)
          .join(' '),
        secrets,
      );
      throw new OvenaError(
        `compose rejected the change, ${file} is unchanged: ${message}`,
        ExitCode.config,
      );
    }
    const backup = `${file}.bak`;
    await writeFileAtomic(backup, originalText, { mode: 0o600 });
    await chown(backup, previous.uid, previous.gid).catch(() => {});
    await rename(candidate, file);
    renamed = true;
    const folder = await open(directory, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  } finally {
    await handle.close().catch(() => {});
    if (!renamed) await rm(candidate, { force: true });
  }
}
