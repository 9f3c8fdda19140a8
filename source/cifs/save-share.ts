import type { Compose } from '../compose/compose.ts';
import { secretSpellings } from '../secrets/password-options.ts';
import {
  type CifsShare,
  planShareEdit,
  readComposeFile,
  type ShareChanges,
  shareFields,
  summarize,
} from './shares.ts';
import { replaceComposeFile } from './write-compose-file.ts';

export type SavedEdit = {
  volume: string;
  file: string;
  changed: string[];
  affectedVolumes: string[];
};

/** Plans, validates with compose and writes one share's change. Never prints the password. */
export async function saveShareChanges(
  compose: Compose,
  files: readonly string[],
  share: CifsShare,
  changes: ShareChanges,
  allShares: readonly CifsShare[],
): Promise<SavedEdit | undefined> {
  const parsed = await readComposeFile(share.file);
  const edit = planShareEdit(parsed, share.file, share.volume, changes);
  if (edit.text === parsed.text) return undefined;
  const before = summarize(edit.before);
  const after = summarize(edit.after);
  const changed = shareFields.filter((field) =>
    field === 'password'
      ? edit.before.password !== edit.after.password
      : before[field] !== after[field],
  );
  await replaceComposeFile({
    compose,
    files,
    file: share.file,
    originalText: parsed.text,
    newText: edit.text,
    secrets: secretSpellings([changes.password, ...allShares.map((entry) => entry.password)]),
  });
  return { volume: share.volume, file: share.file, changed, affectedVolumes: edit.affectedVolumes };
}

export function recreateAdvice(volumes: readonly string[]): string {
  return `Docker keeps the old options while a volume exists: "ovena cifs apply ${volumes.join(' ')}" recreates ${volumes.length > 1 ? 'them' : 'it'} (stops the services using ${volumes.length > 1 ? 'them' : 'it'}, removes the volume${volumes.length > 1 ? 's' : ''}; files on the NAS stay; starts again).`;
}
