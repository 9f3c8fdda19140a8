import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const rig = path.join(repoRoot, 'docker/test/rig');
export const ovenaBin = path.join(repoRoot, 'bin/ovena');

export type Stack = {
  name: string;
  /** The environment ovena needs to work on this stack (compose files, state and cron folders). */
  env: NodeJS.ProcessEnv;
  backupDir: string;
  imagesDir: string;
  orthancUrl: string;
  pgPort: number;
  down(): Promise<void>;
};

/**
 * The end-to-end tests fail (never skip) without a Docker engine, naming the script that
 * provisions one.
 */
export async function assertDockerEngine(): Promise<void> {
  try {
    await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
  } catch (error) {
    throw new Error(
      `no Docker engine answers (${(error as Error).message.split('\n')[0]}): run "sudo docker/test/rig provision" first (it installs and starts one and builds the test images)`,
    );
  }
}

export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!match?.[1]) continue;
    let value = match[2] ?? '';
    if (/^'.*'$/.test(value) || /^".*"$/.test(value)) value = value.slice(1, -1);
    env[match[1]] = value;
  }
  return env;
}

/**
 * The compose flavour the test run asks for (test/run sets OVENA_COMPOSE_FLAVOR: v2 for the suite,
 * v1 for its v1 subset); the rig creates the stack with it and exports it to ovena.
 */
export function testFlavor(): 'v1' | 'v2' | undefined {
  const flavor = process.env.OVENA_COMPOSE_FLAVOR;
  if (flavor === undefined || flavor === '') return undefined;
  if (flavor !== 'v1' && flavor !== 'v2') throw new Error('OVENA_COMPOSE_FLAVOR must be v1 or v2');
  return flavor;
}

/**
 * The v1 subset re-runs these files with OVENA_COMPOSE_FLAVOR=v1: each gets a port block of its
 * own (61550-61700), so a v1 stack never meets the v2 stack of any file, in any slot.
 */
const v1PortBases: Record<number, number> = {
  56000: 61550, // backup.test.ts
  57000: 61600, // restore-cycle.test.ts
  55500: 61650, // foundation.test.ts (start/stop)
  58000: 61700, // cifs-apply.test.ts
};

/**
 * Brings up a fresh, empty stack of its own (ports from portBase) for one test file.
 * OVENA_TEST_STACK_SLOT (0-9) shifts the name and ports so that several checkouts can run the
 * same test file at once on one engine (test bases are at least 50 ports apart; a slot adds 5).
 */
export async function startStack(baseName: string, basePort: number): Promise<Stack> {
  await assertDockerEngine();
  const slot = Number(process.env.OVENA_TEST_STACK_SLOT ?? '0');
  if (!Number.isInteger(slot) || slot < 0 || slot > 9) {
    throw new Error('OVENA_TEST_STACK_SLOT must be a digit 0-9');
  }
  let name = slot === 0 ? baseName : `${baseName}-s${slot}`;
  let portBase = basePort + slot * 5;
  if (testFlavor() === 'v1') {
    const v1Base = v1PortBases[basePort];
    if (v1Base === undefined) {
      throw new Error(
        `no v1 port block for the stack at ${basePort}: add one to v1PortBases in test/helpers/stack.ts`,
      );
    }
    name = `${name}-v1`;
    portBase = v1Base + slot * 5;
  }
  const { stdout } = await run(rig, ['up', '--name', name, '--port-base', String(portBase)], {
    timeout: 600_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const exported = parseExports(stdout);
  const env: NodeJS.ProcessEnv = { ...process.env, ...exported };
  return {
    name,
    env,
    backupDir: exported.OVENA_TEST_BACKUP_DIR ?? '',
    imagesDir: exported.OVENA_TEST_IMAGES_DIR ?? '',
    orthancUrl: exported.OVENA_TEST_ORTHANC_URL ?? '',
    pgPort: Number(exported.OVENA_TEST_PG_PORT),
    down: async () => {
      await run(rig, ['down', '--name', name], { timeout: 300_000 });
    },
  };
}

export type OvenaResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

/** Runs the real binary off a terminal (pipes), as cron or a script would. */
export function ovena(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<OvenaResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ovenaBin, ...args], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Creates a DICOM instance in Orthanc; returns its Orthanc id. */
export async function createInstance(
  orthancUrl: string,
  patientId: string,
  name = 'TEST^PATIENT',
): Promise<string> {
  const response = await fetch(`${orthancUrl}/tools/create-dicom`, {
    method: 'POST',
    body: JSON.stringify({
      Tags: {
        PatientID: patientId,
        PatientName: name,
        Modality: 'CT',
        StudyDescription: 'ovena test',
      },
    }),
  });
  if (!response.ok) throw new Error(`create-dicom failed: HTTP ${response.status}`);
  const body = (await response.json()) as { ID: string };
  return body.ID;
}

export async function orthancStatistics(
  orthancUrl: string,
): Promise<{ CountInstances: number; CountStudies: number; CountPatients: number }> {
  const response = await fetch(`${orthancUrl}/statistics`);
  if (!response.ok) throw new Error(`statistics failed: HTTP ${response.status}`);
  return (await response.json()) as {
    CountInstances: number;
    CountStudies: number;
    CountPatients: number;
  };
}

/** Runs docker with arguments (test-side helper, e.g. to stop a container behind ovena's back). */
export async function docker(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const { stdout } = await run('docker', args, {
    env,
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/**
 * The command line of the compose that drives the stack (the rig exports its flavour), with the
 * stack's files. `ps` lists stopped containers on both (v2 needs `-a`).
 */
export function composeArgv(env: NodeJS.ProcessEnv, args: string[]): [string, string[]] {
  const files = (env.OVENA_COMPOSE_FILE ?? '').split(':').flatMap((file) => ['-f', file]);
  if (env.OVENA_COMPOSE_FLAVOR === 'v2') {
    const rest = args[0] === 'ps' ? ['ps', '-a', ...args.slice(1)] : args;
    return ['docker', ['compose', ...files, ...rest]];
  }
  return ['docker-compose', [...files, ...args]];
}

/** compose with the stack's files and project, the flavour that created it, for test-side checks. */
export async function composeCommand(stack: Stack, args: string[]): Promise<string> {
  const [file, argv] = composeArgv(stack.env, args);
  const { stdout } = await run(file, argv, {
    env: stack.env,
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Runs a shell script in the stack's db container (`docker exec` of its container). */
export async function dbExec(stack: Stack, script: string): Promise<string> {
  const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
  return docker(['exec', id, 'sh', '-c', script]);
}

/** Orthanc's instance ids, as its REST API lists them. */
export async function instanceIds(url: string): Promise<string[]> {
  return (await (await fetch(`${url}/instances`)).json()) as string[];
}

export type RunningOvena = {
  child: ReturnType<typeof spawn>;
  output(): string;
  done: Promise<OvenaResult>;
};

/** Starts the real binary off a terminal and lets the test watch its output and signal it. */
export function startOvena(args: string[], env: NodeJS.ProcessEnv): RunningOvena {
  const child = spawn(process.execPath, [ovenaBin, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<OvenaResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => stdout + stderr, done };
}

/**
 * How often PostgreSQL in the stack's db container treated a child's death as a crash (and
 * restarted every session in recovery mode). Ovena's aborts must never cause one.
 */
export async function databaseCrashes(stack: Stack): Promise<number> {
  const id = (await composeCommand(stack, ['ps', '-q', 'db'])).trim();
  const { stdout, stderr } = await run('docker', ['logs', id], { maxBuffer: 64 * 1024 * 1024 });
  return `${stdout}\n${stderr}`
    .split('\n')
    .filter((line) => /terminated by signal|was terminated by exception/.test(line)).length;
}
