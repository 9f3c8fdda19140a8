import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { writeFileAtomic } from '../files/write-file-atomic.ts';
import { redactSecrets } from '../secrets/redact.ts';

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
  const owner = { uid: previous.uid, gid: previous.gid };
  await writeFileAtomic(file, newText, {
    mode: 0o600,
    owner,
    beforeReplace: async (candidate) => {
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
      await writeFileAtomic(`${file}.bak`, originalText, { mode: 0o600, owner });
    },
  });
}
