// Helper of bench/images-bench (not a test): reads attachment uuids on stdin, one a line, and
// writes a file of SIZE bytes for each at Orthanc's layout (DIR/xx/yy/uuid).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

const [dir, sizeText] = process.argv.slice(2);
const content = Buffer.alloc(Number(sizeText ?? '1024'), 0x2a);
const made = new Set();
let count = 0;
for await (const uuid of createInterface({ input: process.stdin })) {
  if (uuid === '') continue;
  const folder = path.join(dir, uuid.slice(0, 2), uuid.slice(2, 4));
  if (!made.has(folder)) {
    mkdirSync(folder, { recursive: true });
    made.add(folder);
  }
  writeFileSync(path.join(folder, uuid), content);
  count++;
}
process.stderr.write(`wrote ${count} files\n`);
