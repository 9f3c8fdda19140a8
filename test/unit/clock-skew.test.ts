import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DumpFile } from '../../source/dumps/list-dumps.ts';
import { formatAgo } from '../../source/format.ts';
import { pickerLayout, pickerRow } from '../../source/ui/restore/picker-rows.ts';

const now = Date.parse('2026-11-27T10:00:00Z');
const day = 86_400_000;
const dump = (name: string, modifiedMs: number): DumpFile => ({
  name,
  sizeBytes: 6_100,
  modifiedMs,
  compressed: true,
});

describe('a dump dated ahead of this host (clock skew, issue 14)', () => {
  it('says how far ahead, never "0s ago" and never a negative age', () => {
    assert.equal(formatAgo(3 * day), '3d 0h ago');
    assert.equal(formatAgo(-3 * day), '3d 0h ahead of this clock');
    // Within a minute is ordinary drift between the NAS and this host.
    assert.equal(formatAgo(-30_000), '0s ago');
  });

  it('the restore picker names the skew on its row, wide and at 60 columns', () => {
    const page = [
      dump('future.sql.gz', now + 3 * day),
      dump('ovena-db-backup.sql.gz', now - 60_000),
    ];
    for (const width of [80, 60]) {
      const layout = pickerLayout(page, now, width);
      const rows = page.map((item) => pickerRow(item, now, layout));
      assert.match(rows[0] ?? '', /3d 0h ahead of this clock/);
      assert.match(rows[1] ?? '', /1m ago/);
      for (const row of rows) assert.ok(row.length + 2 <= width, `${row} fits ${width}`);
    }
  });
});
