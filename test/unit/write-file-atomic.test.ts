import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { writeFileAtomic } from '../../source/files/write-file-atomic.ts';

describe('writeFileAtomic (the one writer of files that matter)', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-atomic-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a new file 0600 by default and leaves no temporary file', async () => {
    const file = path.join(folder, 'state.json');
    await writeFileAtomic(file, '{"a":1}\n');
    assert.equal(await readFile(file, 'utf8'), '{"a":1}\n');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(folder), ['state.json']);
  });

  it('replaces an existing file with the mode asked for (0600 even over a 0644 file)', async () => {
    const file = path.join(folder, 'x');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'new');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await writeFileAtomic(file, 'exec', { mode: 0o755 });
    assert.equal((await stat(file)).mode & 0o777, 0o755);
    assert.equal(await readFile(file, 'utf8'), 'exec');
  });

  it('shows beforeReplace the complete temporary file in the same folder, with a dotted name', async () => {
    const file = path.join(folder, 'compose.yml');
    await writeFile(file, 'old');
    let seen: { name: string; text: string; mode: number } | undefined;
    await writeFileAtomic(file, 'candidate', {
      beforeReplace: async (temporary) => {
        seen = {
          name: path.relative(folder, temporary),
          text: await readFile(temporary, 'utf8'),
          mode: (await stat(temporary)).mode & 0o777,
        };
        assert.equal(await readFile(file, 'utf8'), 'old', 'not replaced before the check');
      },
    });
    assert.ok(seen);
    assert.match(seen.name, /^\.compose\.yml\.[0-9a-f]+\.tmp$/);
    assert.equal(seen.text, 'candidate');
    assert.equal(seen.mode, 0o600);
    assert.equal(await readFile(file, 'utf8'), 'candidate');
  });

  it('a refusing beforeReplace leaves the target as it was and no temporary file', async () => {
    const file = path.join(folder, 'compose.yml');
    await writeFile(file, 'old');
    await assert.rejects(
      writeFileAtomic(file, 'bad', {
        beforeReplace: async () => {
          throw new Error('rejected by the validator');
        },
      }),
      /rejected by the validator/,
    );
    assert.equal(await readFile(file, 'utf8'), 'old');
    assert.deepEqual(await readdir(folder), ['compose.yml']);
  });

  it('fails without a trace when the folder does not exist', async () => {
    await assert.rejects(writeFileAtomic(path.join(folder, 'missing', 'x'), 'y'), /ENOENT/);
    assert.deepEqual(await readdir(folder), []);
  });
});
