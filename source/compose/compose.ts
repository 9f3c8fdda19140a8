import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { ExecaError, execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { ExitCode, OvenaError } from '../errors.ts';
import { redactSecrets, registerSecrets } from '../secrets/redact.ts';
import { type ExecStreamOptions, execStreamInContainer } from './container-exec.ts';
import {
  type ComposeFlavor,
  composeInvocation,
  dockerExecArgs,
  type ExecOptions,
  psQuietArgs,
  stopArgs,
  upArgs,
} from './invocation.ts';
import {
  type ComposeModel,
  modelFromConfig,
  type ProjectInfo,
  projectInfo,
  secretsOf,
} from './model.ts';

export type ContainerState = {
  id: string;
  status: string;
  running: boolean;
  health: string | undefined;
  startedAt: string | undefined;
  exitCode: number | undefined;
  mounts: Array<{ type: string; name: string | undefined; source: string; destination: string }>;
};

export type ServiceState = {
  service: string;
  containerId: string | undefined;
  /** running, exited, created, restarting, paused, dead — or missing when no container exists. */
  state: string;
  health: string | undefined;
  startedAt: string | undefined;
};

type RunOptions = { signal?: AbortSignal; input?: string };

const daemonDownPattern =
  /cannot connect to the docker daemon|is the docker daemon running|error during connect/i;
const permissionPattern = /permission denied.*docker\.sock|got permission denied/i;

function stderrOf(error: unknown): string {
  if (error instanceof ExecaError) {
    const stderr = typeof error.stderr === 'string' ? error.stderr : '';
    return (stderr || error.shortMessage).trim();
  }
  return error instanceof Error ? error.message : String(error);
}

/** The first meaningful line of a tool's error output, secrets removed. */
export function firstLine(text: string): string {
  // compose v1 quotes a changed volume's old and new mount options, passwords and all: never
  // pass that on, not even redacted (a password may hold the characters redaction stops at).
  const changed = /Configuration for volume "?([^\s"]+)"? specifies "?([^\s"]+)"? /.exec(text);
  if (changed) {
    return `the ${changed[2]} options of volume "${changed[1]}" changed in the compose file but docker still uses the old ones: run "ovena cifs apply ${changed[1]}" to recreate the volume`;
  }
  const lines = text
    .split('\n')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '' && !/^(WARN|WARNING)/i.test(entry));
  // "X is invalid because:" is followed by the reason on the next line: keep both, on one line.
  let line = lines[0] ?? text.trim();
  for (let index = 1; index < lines.length && line.endsWith(':'); index++)
    line = `${line} ${lines[index]}`;
  return redactSecrets(line);
}

function isMissingBinary(error: unknown): boolean {
  return error instanceof ExecaError && error.code === 'ENOENT';
}

/** Finds an executable on PATH without running it (docker-compose v1 takes ~0.4 s just to start). */
async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  for (const folder of (env.PATH ?? '').split(path.delimiter)) {
    if (folder === '') continue;
    try {
      await access(path.join(folder, name), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

async function composeFlavor(env: NodeJS.ProcessEnv): Promise<ComposeFlavor | undefined> {
  const forced = env.OVENA_COMPOSE_FLAVOR;
  if (forced === 'v1' || forced === 'v2') return forced;
  try {
    await execa('docker', ['compose', 'version'], { env, timeout: 20_000 });
    return 'v2';
  } catch {
    return (await onPath('docker-compose', env)) ? 'v1' : undefined;
  }
}

/** Detects the docker client, the daemon and the compose flavour, with one clear error for each failure. */
export async function detectDocker(env: NodeJS.ProcessEnv): Promise<ComposeFlavor> {
  // Both questions at once: this runs before every command.
  const [daemon, flavor] = await Promise.allSettled([
    execa('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeout: 20_000 }),
    composeFlavor(env),
  ]);
  if (daemon.status === 'rejected') {
    const error: unknown = daemon.reason;
    if (isMissingBinary(error)) {
      throw new OvenaError(
        'docker is not installed: install Docker Engine (Debian: apt-get install docker.io)',
        ExitCode.dockerMissing,
      );
    }
    const text = stderrOf(error);
    if (permissionPattern.test(text)) {
      throw new OvenaError(
        'not allowed to talk to the Docker daemon: run ovena as root',
        ExitCode.noPermission,
      );
    }
    if (daemonDownPattern.test(text) || error instanceof ExecaError) {
      throw new OvenaError(
        `the Docker daemon is not reachable (${firstLine(text)}): start it (systemctl start docker)`,
        ExitCode.unavailable,
      );
    }
    throw error;
  }
  if (flavor.status === 'fulfilled' && flavor.value) return flavor.value;
  throw new OvenaError(
    'docker compose is not installed: install the compose plugin (docker-compose-plugin) or docker-compose',
    ExitCode.dockerMissing,
  );
}

async function assertFilesExist(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES') {
        throw new OvenaError(
          `cannot read compose file ${file}: run ovena as root`,
          ExitCode.noPermission,
        );
      }
      throw new OvenaError(
        `compose file ${file} does not exist: pass --compose-file=PATH or set OVENA_COMPOSE_FILE (the template is docker/docker-compose.yml)`,
        ExitCode.noInput,
      );
    }
  }
}

export type ComposeOptions = {
  files: string[];
  env: NodeJS.ProcessEnv;
  /** Skip detection (unit tests of command construction). */
  flavor?: ComposeFlavor;
};

/**
 * The only module that runs docker. Containers are found by `compose ps -q SERVICE` and
 * `docker inspect`, never by name (v1 and v2 name them differently).
 */
export class Compose {
  readonly files: string[];
  readonly env: NodeJS.ProcessEnv;
  flavor: ComposeFlavor;
  model!: ComposeModel;
  project!: ProjectInfo;
  /** Container ids by service: `compose ps` costs ~0.5 s with v1, `docker inspect` ~30 ms. */
  private readonly containerIds = new Map<string, string>();

  private constructor(options: ComposeOptions & { flavor: ComposeFlavor }) {
    this.files = options.files;
    this.env = options.env;
    this.flavor = options.flavor;
  }

  /** Checks files, docker, compose and the configuration, in that order; each failure has its own exit code. */
  static async open(options: ComposeOptions): Promise<Compose> {
    await assertFilesExist(options.files);
    const flavor = options.flavor ?? (await detectDocker(options.env));
    const compose = new Compose({ ...options, flavor });
    await compose.loadConfig();
    return compose;
  }

  private async loadConfig(): Promise<void> {
    let text: string;
    try {
      text = (await this.run(['config'])).stdout;
    } catch (error) {
      throw new OvenaError(
        `compose file is invalid: ${firstLine(stderrOf(error))} (checked with "${this.flavor === 'v2' ? 'docker compose' : 'docker-compose'} config")`,
        ExitCode.config,
      );
    }
    this.model = modelFromConfig(parseYaml(text) as unknown);
    registerSecrets(secretsOf(this.model));
    this.project = projectInfo(this.model, this.env);
  }

  /** Runs a compose subcommand and returns its output; errors carry compose's own first line. */
  async run(
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const { file, args: argv } = composeInvocation(this.flavor, this.files, args);
    // up, rm, down... may recreate or remove containers: look their ids up again afterwards.
    if (!['config', 'ps', 'version'].includes(args[0] ?? '')) this.containerIds.clear();
    const result = await execa(file, argv, {
      env: this.env,
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    return { stdout: result.stdout, stderr: result.stderr };
  }

  async runOrFail(
    what: string,
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<string> {
    try {
      return (await this.run(args, options)).stdout;
    } catch (error) {
      if (error instanceof ExecaError && error.isCanceled) throw error;
      throw new OvenaError(`${what} failed: ${firstLine(stderrOf(error))}`);
    }
  }

  /**
   * Runs compose's own validator (`config -q`) on another file list, e.g. an edited candidate in
   * place of the real file. Returns compose's error text (not redacted: the caller knows the secrets).
   */
  async validateFiles(
    files: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ valid: true } | { valid: false; message: string }> {
    const { file, args } = composeInvocation(this.flavor, files, ['config', '-q']);
    try {
      await execa(file, args, { env: this.env, cancelSignal: signal, forceKillAfterDelay: 5000 });
      return { valid: true };
    } catch (error) {
      if (error instanceof ExecaError && error.isCanceled) throw error;
      if (isMissingBinary(error)) throw error;
      return { valid: false, message: stderrOf(error) };
    }
  }

  async docker(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const result = await execa('docker', args, {
      env: this.env,
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
    return result.stdout;
  }

  async up(services: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.runOrFail(`starting ${services.join(', ')}`, upArgs(services), { signal });
  }

  async stop(services: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.runOrFail(`stopping ${services.join(', ')}`, stopArgs(services), { signal });
  }

  async containerId(service: string, signal?: AbortSignal): Promise<string | undefined> {
    const cached = this.containerIds.get(service);
    if (cached) return cached;
    const stdout = await this.runOrFail(
      `listing the ${service} container`,
      psQuietArgs(this.flavor, service),
      { signal },
    );
    const ids = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    if (ids[0]) this.containerIds.set(service, ids[0]);
    return ids[0];
  }

  async inspect(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined> {
    let text: string;
    try {
      text = await this.docker(['inspect', containerId], { signal });
    } catch (error) {
      if (error instanceof ExecaError && error.isCanceled) throw error;
      return undefined;
    }
    const [entry] = JSON.parse(text) as Array<{
      Id: string;
      State: {
        Status: string;
        Running: boolean;
        StartedAt?: string;
        ExitCode?: number;
        Health?: { Status: string };
      };
      Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
    }>;
    if (!entry) return undefined;
    return {
      id: entry.Id,
      status: entry.State.Status,
      running: entry.State.Running,
      health: entry.State.Health?.Status,
      startedAt: entry.State.StartedAt,
      exitCode: entry.State.ExitCode,
      mounts: (entry.Mounts ?? []).map((mount) => ({
        type: mount.Type,
        name: mount.Name,
        source: mount.Source,
        destination: mount.Destination,
      })),
    };
  }

  async serviceState(service: string, signal?: AbortSignal): Promise<ServiceState> {
    let containerId = await this.containerId(service, signal);
    let state = containerId ? await this.inspect(containerId, signal) : undefined;
    if (containerId && !state) {
      // Removed behind our back (docker rm): ask compose again.
      this.containerIds.delete(service);
      containerId = await this.containerId(service, signal);
      state = containerId ? await this.inspect(containerId, signal) : undefined;
    }
    return {
      service,
      containerId,
      state: state?.status ?? 'missing',
      // A stopped container keeps its last health status; it means nothing once stopped.
      health: state?.running ? state.health : undefined,
      startedAt: state?.startedAt,
    };
  }

  /** The running container of a service, or a clear error saying it is not running. */
  async runningContainer(service: string, signal?: AbortSignal): Promise<string> {
    const state = await this.serviceState(service, signal);
    if (!state.containerId || state.state !== 'running') {
      throw new OvenaError(
        `the ${service} service is not running (${state.state}): start it with "ovena start"`,
        ExitCode.unavailable,
      );
    }
    return state.containerId;
  }

  /**
   * Polls `docker inspect` until the service's container is healthy (or running, when it has no
   * healthcheck). Works on compose v1, which has no `up --wait`.
   */
  async waitHealthy(
    service: string,
    options: {
      signal?: AbortSignal;
      timeoutMs?: number;
      intervalMs?: number;
      onState?: (state: ServiceState) => void;
    } = {},
  ): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 180_000);
    for (;;) {
      options.signal?.throwIfAborted();
      const state = await this.serviceState(service, options.signal);
      options.onState?.(state);
      if (state.state === 'running' && (state.health === undefined || state.health === 'healthy'))
        return;
      // `restarting` means it already exited once: a crash loop, not a slow start.
      if (['exited', 'dead', 'missing', 'restarting'].includes(state.state)) {
        throw new OvenaError(
          `the ${service} container is ${state.state}: see "docker logs ${state.containerId?.slice(0, 12) ?? service}"`,
          ExitCode.unavailable,
        );
      }
      if (Date.now() > deadline) {
        throw new OvenaError(
          `the ${service} service did not become healthy in time (health: ${state.health ?? 'none'})`,
          ExitCode.unavailable,
        );
      }
      await sleep(options.intervalMs ?? 500, options.signal);
    }
  }

  /**
   * Runs a short command in a service's container and returns its output. With `oneOffWhenDown`,
   * a service that is not running (stopped, or crash-looping in a disaster) gets a one-off
   * container of its own (`compose run --rm --no-deps`, entrypoint replaced) with the same volumes,
   * so the share can still be read.
   */
  async execCapture(
    service: string,
    argv: readonly string[],
    options: RunOptions & ExecOptions & { oneOffWhenDown?: boolean } = {},
  ): Promise<string> {
    if (options.oneOffWhenDown) {
      const state = await this.serviceState(service, options.signal);
      if (state.state !== 'running') return this.runOneOff(service, argv, options.signal);
    }
    const containerId = await this.runningContainer(service, options.signal);
    try {
      const result = await execa(
        'docker',
        dockerExecArgs(containerId, argv, { ...options, interactive: options.input !== undefined }),
        {
          env: this.env,
          cancelSignal: options.signal,
          forceKillAfterDelay: 5000,
          ...(options.input === undefined ? {} : { input: options.input }),
        },
      );
      return result.stdout;
    } catch (error) {
      // execa's message quotes the whole command line (scripts, SQL): the operator gets one line.
      // The error keeps exitCode and stderr for callers that tell failures apart.
      if (error instanceof ExecaError && !error.isCanceled) {
        const stderr = String(error.stderr ?? '').trim();
        const detail = stderr ? firstLine(stderr) : `exit code ${error.exitCode ?? '?'}`;
        error.message = `${argv[0] ?? 'command'} failed in the ${service} container: ${detail}`;
      }
      throw error;
    }
  }

  private async runOneOff(
    service: string,
    argv: readonly string[],
    signal?: AbortSignal,
  ): Promise<string> {
    const [entrypoint, ...rest] = argv;
    if (!entrypoint) throw new Error('runOneOff needs a command');
    try {
      return (
        await this.run(
          ['run', '--rm', '--no-deps', '-T', '--entrypoint', entrypoint, service, ...rest],
          {
            ...(signal ? { signal } : {}),
          },
        )
      ).stdout;
    } catch (error) {
      if (error instanceof ExecaError && !error.isCanceled) {
        const stderr = String(error.stderr ?? '').trim();
        const detail = stderr
          ? firstLine(
              stderr
                .split('\n')
                .filter((line) => !/^(Creating|Starting) /.test(line))
                .join('\n'),
            )
          : `exit code ${error.exitCode ?? '?'}`;
        error.message = `${entrypoint} failed in a one-off ${service} container: ${detail}`;
      }
      throw error;
    }
  }

  /**
   * Runs a long command in a container without buffering its output. On abort the command's whole
   * process group inside the container is killed (the docker client alone would leave it running).
   */
  async execStream(
    service: string,
    argv: readonly string[],
    options: ExecStreamOptions = {},
  ): Promise<void> {
    const containerId = await this.runningContainer(service, options.signal);
    await execStreamInContainer(containerId, argv, `the ${service} container`, this.env, options);
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
