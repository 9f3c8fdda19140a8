import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { faultCases } from '../faults/cases.ts';
import { renderTable, tableEnd, tableStart, unproved, withTable } from '../faults/table.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the README "What survives what" table', () => {
  it('is exactly the table printed from the declared fault cases', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.ok(readme.includes(tableStart) && readme.includes(tableEnd));
    assert.equal(
      readme,
      withTable(readme, renderTable()),
      'run: node --import tsx test/faults/table.ts --write',
    );
  });

  it('every staged case is proved by a fault test, and every case id is declared once', () => {
    const ids = faultCases.map((entry) => entry.id);
    assert.equal(new Set(ids).size, ids.length);
    const dir = path.join(root, 'test/faults');
    const sources = readdirSync(dir)
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => readFileSync(path.join(dir, name), 'utf8'))
      .join('\n');
    for (const entry of faultCases.filter((e) => !e.notStaged)) {
      // A literal id, or a template over the steps (`kill-ovena/restore-${step}`).
      const [fault, operation] = entry.id.split('/');
      const literal = sources.includes(`'${entry.id}'`);
      const template = sources.includes(`\`${fault}/${operation?.split('-')[0]}-\${step}\``);
      assert.ok(literal || template, `no test records ${entry.id}`);
    }
  });

  it('a results file proves the staged cases it lists, and names the others', () => {
    const staged = faultCases.filter((e) => !e.notStaged).map((e) => e.id);
    const all = staged.map((id) => JSON.stringify({ id })).join('\n');
    assert.deepEqual(unproved(all), []);
    assert.deepEqual(unproved(''), staged);
  });
});
