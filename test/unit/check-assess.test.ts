import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkExitCode, checkLine } from '../../source/commands/check.ts';
import { assessArchive, defaultMaxAgeMs } from '../../source/monitoring/assess.ts';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import { parseDuration } from '../../source/settings/duration.ts';

const hour = 3_600_000;
const now = Date.parse('2025-01-10T12:00:00Z');

function status(ageMs: number | undefined, overrides: Partial<HomeStatus> = {}): HomeStatus {
  return {
    services: [
      { name: 'db', role: 'db', state: 'running', health: 'healthy', up: true },
      { name: 'orthanc', role: 'orthanc', state: 'running', up: true },
    ],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: true },
    ...(ageMs === undefined
      ? {}
      : {
          lastBackup: {
            at: new Date(now - ageMs).toISOString(),
            file: 'ovena-db-backup.sql.gz',
            sizeBytes: 2_000_000,
            durationMs: 1000,
            result: 'ok' as const,
          },
        }),
    problems: [],
    ...overrides,
  };
}

describe('assessArchive (ovena check and the home screen)', () => {
  it('OK when services are up and the backup is fresh', () => {
    const result = assessArchive(status(30 * 60_000), { now });
    assert.equal(result.level, 'ok');
    assert.equal(checkExitCode[result.level], 0);
    assert.equal(
      checkLine(result, status(30 * 60_000), now),
      'OK: services up, last backup 30m old (ovena-db-backup.sql.gz, 2.0 MB)',
    );
  });

  it('warning when no backup is recorded yet', () => {
    const result = assessArchive(status(undefined), { now });
    assert.equal(result.level, 'warning');
    assert.equal(checkExitCode[result.level], 1);
    assert.equal(checkLine(result, status(undefined), now), 'WARNING: no backup recorded yet');
  });

  it('warning when older than the schedule allows, critical past max-age', () => {
    const hourly = { schedule: { label: 'hourly', intervalMs: hour } };
    assert.equal(assessArchive(status(50 * 60_000, hourly), { now }).level, 'ok');
    const late = assessArchive(status(2 * hour, hourly), { now });
    assert.equal(late.level, 'warning');
    assert.equal(late.backup, 'late');
    assert.match(late.reasons[0] ?? '', /schedule \(hourly\) expects one every 1h00m/);
    const old = assessArchive(status(26 * hour, hourly), { now });
    assert.equal(old.level, 'critical');
    assert.equal(checkExitCode[old.level], 2);
    assert.match(old.reasons[0] ?? '', /last backup is 26h 0m old, older than the max age 25h00m/);
  });

  it('--max-age overrides the default', () => {
    assert.equal(defaultMaxAgeMs, 25 * hour);
    assert.equal(assessArchive(status(3 * hour), { now }).level, 'ok');
    assert.equal(assessArchive(status(3 * hour), { now, maxAgeMs: 2 * hour }).level, 'critical');
  });

  it('a weekly schedule raises the default max age to two weeks and a bit', () => {
    const weekly = { schedule: { label: 'weekly', intervalMs: 7 * 24 * hour } };
    assert.equal(assessArchive(status(3 * 24 * hour, weekly), { now }).level, 'ok');
  });

  it('critical when the last backup failed, with its error', () => {
    const failed = status(hour);
    if (failed.lastBackup) {
      failed.lastBackup.result = 'failed';
      failed.lastBackup.error = 'disk full';
    }
    const result = assessArchive(failed, { now });
    assert.equal(result.level, 'critical');
    assert.equal(
      checkLine(result, failed, now),
      'CRITICAL: last backup failed 1h 0m ago: disk full',
    );
  });

  it('critical when a service is down, named first', () => {
    const down = status(hour, {
      services: [
        { name: 'db', role: 'db', state: 'exited', up: false },
        { name: 'orthanc', role: 'orthanc', state: 'running', health: 'unhealthy', up: false },
      ],
    });
    const result = assessArchive(down, { now });
    assert.equal(result.level, 'critical');
    assert.deepEqual(result.reasons, ['db is exited', 'orthanc is unhealthy']);
  });
});

describe('parseDuration', () => {
  it('reads s, m, h, d, w and combinations', () => {
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('26h'), 26 * hour);
    assert.equal(parseDuration('1d12h'), 36 * hour);
    assert.equal(parseDuration('1w'), 168 * hour);
  });

  it('refuses anything else with the rule, as a usage error', () => {
    for (const bad of ['', '12', 'h', '2x', '-1h', '1h junk']) {
      assert.throws(
        () => parseDuration(bad, '--max-age'),
        (error: Error & { exitCode?: number }) => {
          assert.equal(error.exitCode, 64);
          assert.match(
            error.message,
            /--max-age ".*" is not a duration: write a number and a unit/,
          );
          return true;
        },
      );
    }
  });
});
