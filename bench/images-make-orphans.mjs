// Helper of bench/images-bench (not a test): makes COUNT distinct DICOM images with Orthanc
// (create-dicom with a PNG), keeps each file's bytes, removes the instance from Orthanc and writes
// the bytes back into the storage folder under a new uuid: COUNT orphans that reconcile re-ingests.
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [url, dir, countText] = process.argv.slice(2);
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';
const count = Number(countText ?? '200');
for (let index = 0; index < count; index++) {
  const created = await fetch(`${url}/tools/create-dicom`, {
    method: 'POST',
    body: JSON.stringify({
      Tags: { PatientID: `ORPHAN${index}`, PatientName: `ORPHAN^${index}`, Modality: 'CT' },
      Content: png,
    }),
  });
  const { ID } = await created.json();
  const bytes = Buffer.from(await (await fetch(`${url}/instances/${ID}/file`)).arrayBuffer());
  await fetch(`${url}/instances/${ID}`, { method: 'DELETE' });
  const uuid = randomUUID();
  const folder = path.join(dir, uuid.slice(0, 2), uuid.slice(2, 4));
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, uuid), bytes);
}
process.stderr.write(`made ${count} orphan DICOM files\n`);
