import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import type { ImagesCheck } from '../../source/images/check-result.ts';
import type { HomeStatus } from '../../source/monitoring/home-status.ts';
import { HomeApp } from '../../source/ui/home/home-app.tsx';
import { waitFor } from '../helpers/wait-for.ts';

afterEach(() => cleanup());

const now = Date.now();

function lastCheck(counts: Partial<ImagesCheck['counts']>): ImagesCheck {
  const full = {
    indexed: 5,
    files: 5,
    matched: 5,
    missing: 0,
    orphans: 0,
    sizeMismatches: 0,
    ...counts,
  };
  return {
    at: new Date(now - 5 * 60_000).toISOString(),
    durationMs: 100,
    storageDirectory: '/var/lib/orthanc/db',
    result: full.missing + full.orphans + full.sizeMismatches > 0 ? 'differences' : 'clean',
    counts: full,
    missing: [],
    missingOther: [],
    orphans: [],
    sizeMismatches: [],
    listLimit: 1000,
    truncated: false,
  };
}

function status(imagesCheck?: ImagesCheck): HomeStatus {
  return {
    services: [
      { name: 'db', role: 'db', state: 'running', health: 'healthy', up: true },
      { name: 'orthanc', role: 'orthanc', state: 'running', up: true },
    ],
    orthanc: { url: 'http://127.0.0.1:8042', reachable: true, version: '1.10.1', instances: 5 },
    lastBackup: {
      at: new Date(now - 20 * 60_000).toISOString(),
      file: 'ovena-db-backup.sql.gz',
      sizeBytes: 1_000_000,
      durationMs: 900,
      result: 'ok',
    },
    schedule: { label: 'hourly', intervalMs: 3_600_000 },
    sharesConfigured: true,
    problems: [],
    ...(imagesCheck ? { imagesCheck } : {}),
  };
}

function renderHome(value: HomeStatus) {
  return render(<HomeApp load={async () => value} tasks={{}} color={false} refreshMs={50} />);
}

const frame = (app: { lastFrame(): string | undefined }) => app.lastFrame() ?? '';

describe('home screen: the last images check', () => {
  it('all files match: OK, the line says so, the menu has the check', async () => {
    const app = renderHome(status(lastCheck({})));
    await waitFor(() => frame(app).includes('Image files'), 2000, 'images line');
    assert.match(frame(app), /ovena · Orthanc archive · OK/);
    assert.match(frame(app), /Image files\s+5m ago · all 5 match/);
    assert.match(frame(app), /Check image files/);
  });

  it('missing files: WARNING with the count; orphans alone stay OK', async () => {
    const app = renderHome(status(lastCheck({ matched: 3, missing: 2 })));
    await waitFor(() => frame(app).includes('WARNING'), 2000, 'warning');
    assert.match(frame(app), /Image files\s+5m ago · 2 missing · 3 match/);
    assert.match(frame(app), /2 image files missing from the images share/);
    cleanup();
    const orphans = renderHome(status(lastCheck({ files: 7, orphans: 2 })));
    await waitFor(() => frame(orphans).includes('Image files'), 2000, 'images line');
    assert.match(frame(orphans), /· OK/);
    assert.match(frame(orphans), /2 orphans · 5 match/);
  });

  it('never checked: says how', async () => {
    const app = renderHome(status());
    await waitFor(() => frame(app).includes('Image files'), 2000, 'images line');
    assert.match(frame(app), /Image files\s+not checked yet/);
  });
});
