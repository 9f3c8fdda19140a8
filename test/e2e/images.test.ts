import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { execa } from 'execa';
import { dumpToShare } from '../../source/backup/dump-steps.ts';
import { Compose } from '../../source/compose/compose.ts';
import { execStreamInContainer } from '../../source/compose/exec-stream.ts';
import { runImagesCheck } from '../../source/images/run-check.ts';
import { containerTarget } from '../../source/load/pg-target.ts';
import {
  composeCommand,
  createInstance,
  databaseCrashes,
  docker,
  orthancStatistics,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A 1x1 grey PNG: Orthanc turns it into Pixel Data, so the instance is a complete image.
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

async function createImage(url: string, patientId: string, name: string): Promise<string> {
  const response = await fetch(`${url}/tools/create-dicom`, {
    method: 'POST',
    body: JSON.stringify({
      Tags: {
        PatientID: patientId,
        PatientName: name,
        Modality: 'CT',
        StudyDescription: `study of ${name}`,
      },
      Content: png,
    }),
  });
  assert.equal(response.status, 200, 'create-dicom');
  return ((await response.json()) as { ID: string }).ID;
}

async function attachmentUuid(url: string, instance: string): Promise<string> {
  const response = await fetch(`${url}/instances/${instance}/attachments/dicom/info`);
  assert.equal(response.status, 200, `attachment info of ${instance}`);
  return ((await response.json()) as { Uuid: string }).Uuid;
}

function filePath(stack: Stack, uuid: string): string {
  return path.join(stack.imagesDir, uuid.slice(0, 2), uuid.slice(2, 4), uuid);
}

async function placeOrphan(stack: Stack, content: Uint8Array): Promise<string> {
  const uuid = randomUUID();
  await mkdir(path.dirname(filePath(stack, uuid)), { recursive: true });
  await writeFile(filePath(stack, uuid), content);
  return uuid;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function quarantined(stack: Stack): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(stack.imagesDir)) {
    if (entry.startsWith('ovena-orphans-'))
      names.push(...(await readdir(path.join(stack.imagesDir, entry))));
  }
  return names.sort();
}

type CheckJson = {
  result: string;
  counts: Record<string, number>;
  orphans: Array<{ uuid: string; path: string }>;
  missing: Array<{
    patientId: string;
    patientName: string;
    studies: Array<{ description: string; instances: Array<{ orthancId: string }> }>;
  }>;
};

describe('images check and reconcile on the real stack', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack('images', 63500);
  });

  after(async () => {
    await stack?.down();
  });

  it('files newer than the dump: the check names them as orphans, reconcile re-ingests and quarantines them', async () => {
    for (const patient of ['E1', 'E2', 'E3'])
      await createImage(stack.orthancUrl, patient, `EARLY^${patient}`);
    const compose = await Compose.open({
      files: (stack.env.OVENA_COMPOSE_FILE ?? '').split(':'),
      env: stack.env,
    });
    await dumpToShare(compose, { fileName: 'images.sql' });
    const late = [
      await createImage(stack.orthancUrl, 'L1', 'LATE^ONE'),
      await createImage(stack.orthancUrl, 'L2', 'LATE^TWO'),
    ];
    const lateUuids = await Promise.all(late.map((id) => attachmentUuid(stack.orthancUrl, id)));

    const restore = await ovena(
      ['--file=images.sql', 'restore', '--yes', '--no-safety-dump', '--start'],
      { env: stack.env },
    );
    assert.equal(restore.code, 0, restore.stdout + restore.stderr);
    // The restore's last step compares every file with the index.
    assert.match(restore.stdout, /Compare the index with the files on the images share/);
    assert.match(restore.stdout, /WARNING: image files: 2 orphans/);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, 3);

    const check = await ovena(['images', 'check', '--json'], { env: stack.env });
    assert.equal(check.code, 1, check.stdout + check.stderr);
    const report = JSON.parse(check.stdout) as CheckJson;
    assert.deepEqual(report.counts, {
      indexed: 3,
      files: 5,
      matched: 3,
      missing: 0,
      orphans: 2,
      sizeMismatches: 0,
    });
    assert.deepEqual(report.orphans.map((orphan) => orphan.uuid).sort(), [...lateUuids].sort());

    const status = await ovena(['status', '--json'], { env: stack.env });
    const lastCheck = (JSON.parse(status.stdout) as { lastImagesCheck: CheckJson }).lastImagesCheck;
    assert.equal(lastCheck.result, 'differences');
    assert.equal(lastCheck.counts.orphans, 2);

    const reconcile = await ovena(['images', 'reconcile', '--yes'], { env: stack.env });
    assert.equal(reconcile.code, 0, reconcile.stdout + reconcile.stderr);
    assert.match(reconcile.stderr, /re-ingested .*: Success/);
    const ids = (await (await fetch(`${stack.orthancUrl}/instances`)).json()) as string[];
    assert.equal(ids.length, 5);
    for (const id of [...late, ...ids]) {
      const file = await fetch(`${stack.orthancUrl}/instances/${id}/file`);
      assert.equal(file.status, 200, `instance ${id} reads back`);
      await file.arrayBuffer();
    }
    assert.deepEqual(await quarantined(stack), [...lateUuids].sort());
    for (const uuid of lateUuids) assert.equal(await exists(filePath(stack, uuid)), false);
    const reports = (await readdir(stack.imagesDir)).filter((name) =>
      name.startsWith('ovena-reconcile-'),
    );
    assert.equal(reports.length, 1);

    const again = await ovena(['images', 'check'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /OK: every image file matches the index/);
  });

  it('a deleted file is reported missing with its patient and study; --forget-missing removes the instance', async () => {
    const victim = await createImage(stack.orthancUrl, 'GONE1', 'GONE^PATIENT');
    const uuid = await attachmentUuid(stack.orthancUrl, victim);
    await rm(filePath(stack, uuid));

    const check = await ovena(['images', 'check'], { env: stack.env });
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(check.stdout, /missing {10}1/);
    assert.match(check.stdout, /Patient GONE\^PATIENT \(ID GONE1;/);
    assert.match(check.stdout, /Study \d{8} "study of GONE\^PATIENT"/);
    assert.match(check.stdout, new RegExp(`instance ${victim}, file ${uuid}`));
    const monitor = await ovena(['check', '--json'], { env: stack.env });
    const verdict = JSON.parse(monitor.stdout) as { level: string; reasons: string[] };
    assert.notEqual(verdict.level, 'ok');
    assert.ok(
      verdict.reasons.some((reason) => /1 image file missing/.test(reason)),
      verdict.reasons.join('|'),
    );

    const refused = await ovena(['images', 'reconcile', '--forget-missing'], { env: stack.env });
    assert.equal(refused.code, 64, refused.stderr);
    assert.equal((await fetch(`${stack.orthancUrl}/instances/${victim}`)).status, 200);

    const forget = await ovena(['images', 'reconcile', '--forget-missing', '--yes'], {
      env: stack.env,
    });
    assert.equal(forget.code, 0, forget.stdout + forget.stderr);
    assert.match(forget.stderr, new RegExp(`forgot instance ${victim}`));
    assert.equal((await fetch(`${stack.orthancUrl}/instances/${victim}`)).status, 404);
    const again = await ovena(['images', 'check'], { env: stack.env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });

  it('quarantines a non-DICOM file and a partial DICOM file without posting them; re-ingests a zlib-stored one', async () => {
    const before = await orthancStatistics(stack.orthancUrl);
    const text = await placeOrphan(stack, Buffer.from('not an image\n'));
    // An instance without Pixel Data and without a SOP class that needs none: a partial file.
    const partialSource = await createInstance(stack.orthancUrl, 'PARTIAL', 'PARTIAL^SOURCE');
    const partial = await placeOrphan(
      stack,
      await readFile(filePath(stack, await attachmentUuid(stack.orthancUrl, partialSource))),
    );
    // A complete image stored as Orthanc's StorageCompression does: 8-byte size, then zlib.
    const image = await createImage(stack.orthancUrl, 'ZLIB', 'ZLIB^IMAGE');
    const raw = await readFile(filePath(stack, await attachmentUuid(stack.orthancUrl, image)));
    await fetch(`${stack.orthancUrl}/instances/${image}`, { method: 'DELETE' });
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(raw.length));
    const zlib = await placeOrphan(stack, Buffer.concat([size, deflateSync(raw)]));
    const countBefore = (await orthancStatistics(stack.orthancUrl)).CountInstances;
    assert.equal(countBefore, before.CountInstances + 1);

    const result = await ovena(['images', 'reconcile', '--json'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const report = JSON.parse(result.stdout) as {
      ingested: { count: number; items: Array<{ path: string }> };
      quarantined: { items: Array<{ path: string; reason: string }> };
    };
    assert.equal(report.ingested.count, 1);
    assert.match(report.ingested.items[0]?.path ?? '', new RegExp(zlib));
    const reasons = Object.fromEntries(
      report.quarantined.items.map((item) => [path.basename(item.path), item.reason]),
    );
    assert.equal(reasons[text], 'not-dicom');
    assert.equal(reasons[partial], 'partial');
    assert.equal(reasons[zlib], 'ingested');
    assert.equal((await fetch(`${stack.orthancUrl}/instances/${image}`)).status, 200);
    assert.equal((await orthancStatistics(stack.orthancUrl)).CountInstances, countBefore + 1);
    const names = await quarantined(stack);
    for (const uuid of [text, partial, zlib]) assert.ok(names.includes(uuid), uuid);
  });

  it('reconcile with Orthanc down refuses with one sentence, exit 69, and changes nothing', async () => {
    const orphan = await placeOrphan(stack, Buffer.from('left alone\n'));
    const before = await quarantined(stack);
    await composeCommand(stack, ['stop', 'orthanc']);
    const result = await ovena(['images', 'reconcile', '--yes'], { env: stack.env });
    assert.equal(result.code, 69, result.stdout + result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0] ?? '', /Orthanc is not running .*nothing was changed/);
    assert.equal(await exists(filePath(stack, orphan)), true);
    assert.deepEqual(await quarantined(stack), before);
    // The check finds no running orthanc container by its labels, asks compose, and says why.
    const check = await ovena(['images', 'check'], { env: stack.env });
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.match(check.stderr, /could not run: the orthanc service is not running \(exited\)/);
  });

  // A regression would hang: the deadline fails it instead.
  it('one side fails while the other has more than a pipe holds: exit 2 at once, nothing left running', {
    timeout: 240_000,
  }, async () => {
    const dbId = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    const sql = (statement: string) =>
      docker([
        'exec',
        dbId,
        'sh',
        '-c',
        'psql -X -q -At -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$0"',
        statement,
      ]);
    // Every line of the index side, about 12 MB: fake rows without a resource (triggers and the
    // foreign key are off for this session), taken out again at the end.
    const replica = 'SET session_replication_role = replica; ';
    await sql(
      `${replica}INSERT INTO attachedfiles (id, filetype, uuid, compressedsize, uncompressedsize, compressiontype, revision) SELECT -g, 1, md5(g::text) || '-ovena-fake', 1, 1, 1, 0 FROM generate_series(1, 200000) g`,
    );
    const crashes = await databaseCrashes(stack);
    const [user = '', database = ''] = (
      await docker(['exec', dbId, 'sh', '-c', 'echo "$POSTGRES_USER $POSTGRES_DB"'])
    )
      .trim()
      .split(' ');
    /** Nothing of the check is left: no command in the db container, no docker client on the host. */
    const assertNothingLeft = async () => {
      const leftovers = async () => {
        const inside = (await docker(['top', dbId, '-o', 'pid,args'])).split('\n').slice(1);
        const { stdout } = await execa('ps', ['-eo', 'args=']);
        const clients = stdout
          .split('\n')
          .filter((line) => line.startsWith('docker exec') && line.includes(dbId.slice(0, 12)));
        return [...inside.filter((line) => /psql|ovena|sh -c/.test(line)), ...clients];
      };
      // A process that is ending may show for a moment; one that is left stays.
      let last: string[] = [];
      await waitFor(
        async () => {
          last = await leftovers();
          return last.length === 0;
        },
        10_000,
        'no command of the check left',
      ).catch(() => assert.fail(`left running: ${last.join(' | ')}`));
      assert.equal(
        (await docker(['exec', dbId, 'sh', '-c', 'ls /tmp | grep -c ovena-exec || true'])).trim(),
        '0',
      );
    };
    const checkFails = async (reason: RegExp) => {
      const started = Date.now();
      const check = await ovena(['images', 'check'], { env: stack.env, timeoutMs: 60_000 });
      assert.equal(check.code, 2, `${Date.now() - started} ms: ${check.stdout}${check.stderr}`);
      const lines = check.stderr.trim().split('\n');
      assert.equal(lines.length, 1, check.stderr);
      assert.match(lines[0] ?? '', reason);
      await assertNothingLeft();
    };
    try {
      await composeCommand(stack, ['start', 'orthanc']);
      const orthancId = (await composeCommand(stack, ['ps', '-q', 'orthanc'])).trim();
      await docker(['pause', orthancId]);
      try {
        await checkFails(/could not run: the orthanc service is not running \(paused\)/);
        // The exact hang: the index side blocked on a full pipe (its backend waits to write to
        // psql), then the listing fails in the (paused) orthanc container.
        const blocked = () =>
          sql(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT uuid, filetype%' AND wait_event = 'ClientWrite'",
          ).then((count) => count.trim() === '1');
        const started = Date.now();
        const failure = await runImagesCheck(
          {
            db: containerTarget({
              containerId: dbId,
              where: 'the db container',
              user,
              database,
              env: stack.env,
            }),
            orthanc: async (argv, options) => {
              await waitFor(blocked, 30_000, 'the index side blocked on a full pipe');
              await execStreamInContainer(
                orthancId,
                argv,
                'the orthanc container',
                stack.env,
                options,
              );
            },
            storageDirectory: '/var/lib/orthanc/db',
          },
          { signal: new AbortController().signal },
        ).then(
          () => assert.fail('the check succeeded with Orthanc paused'),
          (error: unknown) => error as Error,
        );
        assert.match(
          failure.message,
          /^the listing of the storage folder \/var\/lib\/orthanc\/db failed in the orthanc container: .*paused/,
        );
        assert.ok(Date.now() - started < 60_000, `${Date.now() - started} ms`);
        await assertNothingLeft();
      } finally {
        await docker(['unpause', orthancId]);
      }
      await composeCommand(stack, ['stop', 'orthanc']);
      await checkFails(/could not run: the orthanc service is not running \(exited\)/);
    } finally {
      await sql(`${replica}DELETE FROM attachedfiles WHERE uuid LIKE '%-ovena-fake'`);
    }
    assert.equal(await databaseCrashes(stack), crashes, 'PostgreSQL restarted');
  });
});
