import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  parseSettings,
  readSettings,
  requireSection,
  requireSoundSettings,
  sectionBroken,
} from '../../source/settings/settings.ts';

describe('settings file (ovena.yml)', () => {
  let folder: string;
  before(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'ovena-settings-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('no file: defaults', async () => {
    assert.deepEqual(await readSettings(folder), { webhooks: {}, problems: [] });
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
      problems: [],
    });
  });

  it('reports a bad value as a problem of its section, naming the file and the key', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['webhooks: [1, 2]\n', 'webhooks', /webhooks must be a mapping/],
      ['webhooks:\n  done: http://x\n', 'webhooks', /unknown webhook "done"/],
      ['webhooks:\n  start: ftp://x\n', 'webhooks', /webhooks\.start must be an http/],
      ['maxBackupAge: soon\n', 'maxBackupAge', /maxBackupAge "soon" is not a duration/],
      ['colour: red\n', 'unknown', /unknown key "colour"/],
      ['webhooks: {start: [\n', 'file', /not valid YAML/],
    ];
    for (const [text, section, pattern] of cases) {
      const { problems } = parseSettings(text, '/etc/ovena/ovena.yml');
      assert.equal(problems.length, 1, text);
      assert.equal(problems[0]?.section, section, text);
      assert.match(problems[0]?.message ?? '', /^settings file \/etc\/ovena\/ovena\.yml: /);
      assert.match(problems[0]?.message ?? '', pattern);
    }
  });

  it('a broken section disables only its own feature', () => {
    const brokenHooks = parseSettings(
      'webhooks:\n  start: ftp://x\nmaxBackupAge: 26h\n',
      '/etc/ovena/ovena.yml',
    );
    assert.equal(brokenHooks.maxBackupAgeMs, 26 * 3_600_000);
    assert.deepEqual(brokenHooks.webhooks, {});
    assert.equal(sectionBroken(brokenHooks, 'webhooks'), true);
    assert.equal(sectionBroken(brokenHooks, 'maxBackupAge'), false);
    requireSection(brokenHooks, 'maxBackupAge');
    assert.throws(() => requireSection(brokenHooks, 'webhooks'), {
      exitCode: 78,
      message: /webhooks\.start/,
    });

    const brokenAge = parseSettings(
      'webhooks:\n  success: https://hc.example/ping/abc\nmaxBackupAge: soon\n',
      '/etc/ovena/ovena.yml',
    );
    assert.deepEqual(brokenAge.webhooks, { success: 'https://hc.example/ping/abc' });
    assert.equal(sectionBroken(brokenAge, 'webhooks'), false);
    assert.throws(() => requireSection(brokenAge, 'maxBackupAge'), {
      exitCode: 78,
      message: /maxBackupAge/,
    });

    // An unknown key disables nothing; unreadable YAML disables everything.
    const unknown = parseSettings('colour: red\nmaxBackupAge: 2d\n', '/etc/ovena/ovena.yml');
    assert.equal(unknown.maxBackupAgeMs, 2 * 86_400_000);
    assert.equal(sectionBroken(unknown, 'webhooks'), false);
    const garbage = parseSettings('webhooks: {start: [\n', '/etc/ovena/ovena.yml');
    assert.equal(sectionBroken(garbage, 'webhooks'), true);
    assert.equal(sectionBroken(garbage, 'maxBackupAge'), true);
    assert.throws(() => requireSoundSettings(unknown), { exitCode: 78 });
  });
});
