import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { composeArgv, composeCommand, repoRoot, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait-for.ts';

export async function md5(file: string): Promise<string> {
  return createHash('md5')
    .update(await readFile(file))
    .digest('hex');
}

export async function temporaryFiles(backupDir: string): Promise<string[]> {
  return (await readdir(backupDir)).filter((name) => name.startsWith('.ovena-tmp-'));
}

/** Bytes written so far into the temporary dump files (0 when there is none, or it just went). */
export async function temporaryBytes(backupDir: string): Promise<number> {
  let total = 0;
  for (const name of await temporaryFiles(backupDir)) {
    total += await stat(path.join(backupDir, name)).then(
      (info) => info.size,
      () => 0,
    );
  }
  return total;
}

/** Polls until the running backup's temporary file holds `bytes` (the dump is well under way). */
export async function waitMidDump(
  backupDir: string,
  running: { child: { exitCode: number | null }; output(): string },
  bytes = 256 * 1024,
): Promise<void> {
  await waitFor(
    async () => {
      if (running.child.exitCode !== null)
        throw new Error(`ovena exited ${running.child.exitCode}: ${running.output()}`);
      return (await temporaryBytes(backupDir)) >= bytes;
    },
    120_000,
    `${bytes} bytes in the temporary dump file`,
  );
}

/** Runs a shell script in the stack's db container (test-side; the script is a fixed string). */
export async function dbShell(stack: Stack, script: string, ...args: string[]): Promise<string> {
  return composeCommand(stack, ['exec', '-T', 'db', 'sh', '-c', script, 'test', ...args]);
}

/** Fills a scratch schema with the benchmark's Orthanc-like generator so a dump takes seconds. */
export async function generateRows(stack: Stack, instances: number): Promise<void> {
  const sql = await readFile(path.join(repoRoot, 'bench/orthanc-like.sql'), 'utf8');
  const [file, argv] = composeArgv(stack.env, [
    'exec',
    '-T',
    'db',
    'psql',
    '-X',
    '-q',
    '-U',
    'orthanc',
    '-d',
    'orthanc',
    '-v',
    `instances=${instances}`,
  ]);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(file, argv, { env: stack.env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`generator failed: ${stderr}`)),
    );
    child.stdin.end(sql);
  });
}
