import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseSettings, readSettings } from '../../source/settings/settings.ts';

describe('settings file (ovena.yml)', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-settings-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('no file: defaults', async () => {
    assert.deepEqual(await readSettings(folder), { webhooks: {} });
  });

  it('reads webhooks and maxBackupAge', async () => {
    await writeFile(
      path.join(folder, 'ovena.yml'),
      '# monitoring\nwebhooks:\n  start: https://hc.example/ping/abc/start\n  success: https://hc.example/ping/abc\n  failure: https://hc.example/ping/abc/fail\nmaxBackupAge: 26h\n',
    );
    assert.deepEqual(await readSettings(folder), {
      webhooks: {
        start: 'https://hc.example/ping/abc/start',
        success: 'https://hc.example/ping/abc',
        failure: 'https://hc.example/ping/abc/fail',
      },
      maxBackupAgeMs: 26 * 3_600_000,
    });
  });

  it('refuses bad values with exit 78, naming the file and the key', () => {
    const cases: Array<[string, RegExp]> = [
      ['webhooks: [1, 2]\n', /webhooks must be a mapping/],
      ['webhooks:\n  done: http://x\n', /unknown webhook "done"/],
      ['webhooks:\n  start: ftp://x\n', /webhooks\.start must be an http/],
      ['maxBackupAge: soon\n', /maxBackupAge "soon" is not a duration/],
      ['colour: red\n', /unknown key "colour"/],
      ['webhooks: {start: [\n', /not valid YAML/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parseSettings(text, '/etc/ovena/ovena.yml'),
        (error: Error & { exitCode?: number }) => {
          assert.equal(error.exitCode, 78);
          assert.match(error.message, /^settings file \/etc\/ovena\/ovena\.yml: /);
          assert.match(error.message, pattern);
          return true;
        },
      );
    }
  });
});
