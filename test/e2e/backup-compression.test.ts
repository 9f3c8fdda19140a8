import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { runPausedBefore } from '../faults/pause.ts';
import {
  composeCommand,
  databaseCrashes,
  ovena,
  type Stack,
  startStack,
} from '../helpers/stack.ts';
import { dbShell, generateRows, md5, temporaryFiles } from './backup-helpers.ts';

const run = promisify(execFile);

/** Small chunks, so that a dump of a few MB is already cut into many parallel gzip members. */
const chunkBytes = 256 * 1024;

/** Counts the members of a gzip file (each: header, raw deflate data, 8-byte trailer). */
function gzipMembers(data: Buffer): number {
  let offset = 0;
  let members = 0;
  while (offset < data.length) {
    assert.equal(data[offset], 0x1f, `gzip magic at ${offset}`);
    assert.equal(data[offset + 1], 0x8b, `gzip magic at ${offset + 1}`);
    const flags = data[offset + 3] ?? 0;
    let start = offset + 10;
    if (flags & 0x04) start += 2 + (data.readUInt16LE(start) ?? 0);
    if (flags & 0x08) start = data.indexOf(0, start) + 1;
    if (flags & 0x10) start = data.indexOf(0, start) + 1;
    if (flags & 0x02) start += 2;
    const { engine } = inflateRawSync(data.subarray(start), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    offset = start + engine.bytesWritten + 8;
    members++;
  }
  return members;
}

/**
 * Row counts of the generated tables of a database in the stack (exact, by count(*)). Orthanc's own
 * tables change while it runs (server properties), so they are left out of the comparison.
 */
async function rowCounts(stack: Stack, database: string): Promise<string> {
  const script = `psql -X -At -U orthanc -d "$1" -c "select string_agg(format('%s', t), ' ' order by t) from (select format('%I.%I', schemaname, relname) as t from pg_stat_user_tables where schemaname = 'ovena_bench') s" | tr ' ' '\\n' | while read -r t; do [ -n "$t" ] && printf '%s=%s\\n' "$t" "$(psql -X -At -U orthanc -d "$1" -c "select count(*) from $t")"; done`;
  return (await dbShell(stack, script, database)).trim();
}

describe('ovena backup: parallel gzip and zstd (real stack)', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await startStack('bk-compress', 64100);
    env = { ...stack.env, OVENA_GZIP_CHUNK_BYTES: String(chunkBytes) };
    // About 7 MB of dump text: tens of chunks.
    await generateRows(stack, 8_000);
  });

  after(async () => {
    await stack?.down();
  });

  it('writes a multi-member .gz that loads by hand with gunzip -c | psql, rows equal', async () => {
    const result = await ovena(['backup'], { env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const file = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
    const members = gzipMembers(await readFile(file));
    assert.ok(members > 1, `expected several gzip members, got ${members}`);
    await dbShell(stack, 'createdb -U orthanc byhand_gz');
    await dbShell(
      stack,
      'gunzip -c /mnt/backup/ovena-db-backup.sql.gz | psql -X -q -v ON_ERROR_STOP=1 -U orthanc -d byhand_gz >/dev/null',
    );
    const live = await rowCounts(stack, 'orthanc');
    assert.ok(live.includes('ovena_bench.'), live);
    assert.equal(await rowCounts(stack, 'byhand_gz'), live);
    // Nothing left in the container's scratch space or the share.
    await dbShell(stack, '! ls -d /tmp/ovena-chunks-* 2>/dev/null');
    assert.deepEqual(await temporaryFiles(stack.backupDir), []);
  });

  it('verifies each member read back by the CRC gzip wrote, by gzip -t on every CPU without cksum, and refuses a corrupted one', async () => {
    const good = await ovena(['backup'], { env });
    assert.equal(good.code, 0, good.stdout + good.stderr);
    assert.match(
      good.stdout,
      /done\s+Verify the dump .*: \d+ gzip members read back, each identical to what gzip wrote \(cksum\)/,
    );
    const file = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
    const previous = await md5(file);
    // One byte flipped on the share after the dump wrote it: in a middle member, checked by its
    // CRC; then in the last member with cksum hidden in the container, so the dump lists sizes
    // alone and the verify tests ranges of members with gzip -t.
    const cases = [
      { at: 0.5, cksum: true, sentence: /differs from what was written: a gzip member read back/ },
      {
        at: 0.98,
        cksum: false,
        sentence: /is not a complete compressed stream \(truncated or corrupt\)/,
      },
    ];
    for (const { at, cksum, sentence } of cases) {
      if (!cksum)
        await dbShell(
          stack,
          'p=$(command -v cksum) && echo "$p" > /tmp/cksum.path && mv "$p" /tmp/cksum.hidden',
        );
      try {
        const paused = await runPausedBefore(stack, ['backup'], 'verify', env);
        const [temporary] = await temporaryFiles(stack.backupDir);
        assert.ok(temporary, 'the temporary dump is on the share');
        const handle = await open(path.join(stack.backupDir, temporary), 'r+');
        try {
          const { size } = await handle.stat();
          const position = Math.floor(size * at);
          const byte = Buffer.alloc(1);
          await handle.read(byte, 0, 1, position);
          byte[0] = (byte[0] ?? 0) ^ 0x55;
          await handle.write(byte, 0, 1, position);
        } finally {
          await handle.close();
        }
        await paused.release();
        const result = await paused.done;
        const output = result.stdout + result.stderr;
        assert.equal(result.code, 65, output);
        assert.match(output, sentence);
        assert.equal(await md5(file), previous, 'the previous dump is untouched');
        assert.deepEqual(await temporaryFiles(stack.backupDir), []);
        if (!cksum) {
          const ranges = await ovena(['backup'], { env });
          assert.equal(ranges.code, 0, ranges.stdout + ranges.stderr);
          if (availableParallelism() >= 2) {
            assert.match(
              ranges.stdout,
              /done\s+Verify the dump .*: \d+ gzip members read back in \d+ parts at once/,
            );
          }
        }
      } finally {
        if (!cksum) await dbShell(stack, 'mv /tmp/cksum.hidden "$(cat /tmp/cksum.path)"');
      }
    }
  });

  it('--compress=zstd writes NAME.zst that loads with zstd -dc | psql, and supersedes NAME.gz', async () => {
    const result = await ovena(['backup', '--compress=zstd'], { env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Dump and compress \(pg_dump \| zstd/);
    assert.match(result.stdout, /removed \/mnt\/backup\/ovena-db-backup\.sql\.gz: superseded/);
    const names = (await readdir(stack.backupDir)).sort();
    assert.ok(names.includes('ovena-db-backup.sql.zst'), names.join(' '));
    assert.ok(!names.includes('ovena-db-backup.sql.gz'), names.join(' '));
    assert.equal(
      (await stat(path.join(stack.backupDir, 'ovena-db-backup.sql.zst'))).mode & 0o777,
      0o600,
    );
    await dbShell(stack, 'createdb -U orthanc byhand_zst');
    await dbShell(
      stack,
      'zstd -dc /mnt/backup/ovena-db-backup.sql.zst | psql -X -q -v ON_ERROR_STOP=1 -U orthanc -d byhand_zst >/dev/null',
    );
    assert.equal(await rowCounts(stack, 'byhand_zst'), await rowCounts(stack, 'orthanc'));
    const listed = await ovena(['list', '--json'], { env });
    const dumps = JSON.parse(listed.stdout) as { name: string; compressed: boolean }[];
    assert.ok(dumps.some((dump) => dump.name === 'ovena-db-backup.sql.zst' && dump.compressed));
  });

  it('backup.compression: zstd in ovena.yml is the default; a bad value is refused by name', async () => {
    const configDir = stack.env.OVENA_CONFIG_DIR ?? '';
    await writeFile(path.join(configDir, 'ovena.yml'), 'backup:\n  compression: zstd\n');
    try {
      const result = await ovena(['--file=configured.sql', 'backup'], { env });
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.ok((await readdir(stack.backupDir)).includes('configured.sql.zst'));
      const bad = await ovena(['backup', '--compress=bzip2'], { env });
      assert.equal(bad.code, 64, bad.stdout + bad.stderr);
      assert.match(bad.stderr, /invalid --compress=bzip2: use gzip \(the default\) or zstd/);
    } finally {
      await rm(path.join(configDir, 'ovena.yml'), { force: true });
    }
  });

  it('restore --file=x.sql refuses when x.sql.gz and x.sql.zst both exist, naming both; nothing stops', async () => {
    await copyFile(
      path.join(stack.backupDir, 'ovena-db-backup.sql.zst'),
      path.join(stack.backupDir, 'twice.sql.zst'),
    );
    const gz = await ovena(['--file=twice.sql', 'backup'], { env });
    assert.equal(gz.code, 0, gz.stdout + gz.stderr);
    // The gzip backup superseded the copy: put it back to stage the ambiguity.
    await copyFile(
      path.join(stack.backupDir, 'ovena-db-backup.sql.zst'),
      path.join(stack.backupDir, 'twice.sql.zst'),
    );
    const before = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
    const previous = await md5(path.join(stack.backupDir, 'twice.sql.gz'));
    const result = await ovena(['--file=twice.sql', '--yes', 'restore'], { env });
    assert.equal(result.code, 64, result.stdout + result.stderr);
    assert.match(
      result.stdout + result.stderr,
      /--file=twice\.sql matches 2 dumps in \/mnt\/backup \(twice\.sql\.(gz|zst), twice\.sql\.(gz|zst)\): name one of them exactly/,
    );
    assert.equal((await composeCommand(stack, ['ps', '-q', 'db'])).trim(), before);
    const state = await run('docker', ['inspect', '-f', '{{.State.Running}}', before]);
    assert.equal(state.stdout.trim(), 'true');
    assert.equal(await md5(path.join(stack.backupDir, 'twice.sql.gz')), previous);
  });

  it('a full backup share: one sentence naming the full disk, the previous dump intact, nothing left', async () => {
    // A small tmpfs as the share: the db container mounts it when it starts.
    await composeCommand(stack, ['stop', 'db']);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k,mode=0755', 'tmpfs', stack.backupDir]);
    try {
      const previous = path.join(stack.backupDir, 'ovena-db-backup.sql.gz');
      await writeFile(previous, 'the previous dump\n', { mode: 0o600 });
      const before = await md5(previous);
      await composeCommand(stack, ['up', '-d', 'db']);
      const started = await ovena(['start'], { env });
      assert.equal(started.code, 0, started.stdout + started.stderr);
      const result = await ovena(['backup'], { env });
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(
        result.stdout,
        /FAILED at "Dump and compress[^"]*": gzip could not write the dump to the backup share \/mnt\/backup \([^)]*No space left on device\): the backup share is full/,
      );
      assert.equal(await md5(previous), before);
      assert.deepEqual(await temporaryFiles(stack.backupDir), []);
      await dbShell(stack, '! ls -d /tmp/ovena-chunks-* 2>/dev/null');
      // The failed pipeline's workers were reaped by their shell, never left to PostgreSQL (PID 1).
      assert.equal(await databaseCrashes(stack), 0, 'PostgreSQL restarted in recovery mode');
    } finally {
      await composeCommand(stack, ['stop', 'db']);
      await run('umount', [stack.backupDir]);
      await composeCommand(stack, ['up', '-d', 'db']);
    }
    const again = await ovena(['backup'], { env });
    assert.equal(again.code, 0, again.stdout + again.stderr);
  });
});
