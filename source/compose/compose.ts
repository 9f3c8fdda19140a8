import { ExecaError, execa } from 'execa';
import { parse as parseYaml } from 'yaml';
import { ExitCode, OvenaError } from '../errors.ts';
import { registerSecrets } from '../secrets/redact.ts';
import {
  type ContainerState,
  inspectContainer,
  runningContainer,
  type ServiceState,
  serviceState,
  type WaitHealthyOptions,
  waitHealthy,
} from './containers.ts';
import { assertFilesExist, detectDocker } from './detect.ts';
import { type ExecCaptureOptions, execCapture } from './exec.ts';
import { type ExecStreamOptions, execStream } from './exec-stream.ts';
import {
  type ComposeFlavor,
  composeInvocation,
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
import { firstLine, isMissingBinary, stderrOf } from './tool-errors.ts';
import {
  assertVolumesCurrent,
  composeProjectName,
  type DockerVolume,
  databaseVolumeMessage,
  holdsDatabase,
  promptedVolume,
  volumeDriftMessage,
} from './volume-drift.ts';

export type RunOptions = { signal?: AbortSignal; input?: string };

export type ComposeOptions = {
  files: string[];
  env: NodeJS.ProcessEnv;
  /** Skip detection (unit tests of command construction). */
  flavor?: ComposeFlavor;
  /** With `flavor`: a standalone compose binary instead of `docker compose` / `docker-compose`. */
  binary?: string;
};

/**
 * The compose tool detection will most likely find, known without running anything: the one
 * OVENA_COMPOSE_FLAVOR forces, or the docker CLI plugin; none for OVENA_COMPOSE_BIN.
 */
function guessedTool(env: NodeJS.ProcessEnv): { flavor: ComposeFlavor } | undefined {
  if (env.OVENA_COMPOSE_BIN) return undefined;
  const forced = env.OVENA_COMPOSE_FLAVOR;
  if (forced === 'v1' || forced === 'v2') return { flavor: forced };
  return forced ? undefined : { flavor: 'v2' };
}

export class Compose {
  readonly files: string[];
  readonly env: NodeJS.ProcessEnv;
  flavor: ComposeFlavor;
  /** A standalone compose binary; undefined: `docker compose` (v2) or `docker-compose` (v1). */
  readonly binary: string | undefined;
  model!: ComposeModel;
  project!: ProjectInfo;
  /** Container ids by service: `compose ps` costs ~0.5 s with v1, `docker inspect` ~30 ms. */
  private readonly containerIds = new Map<string, string>();
  /**
   * Services whose container `runningContainer` saw running since the last compose command: an
   * exec goes straight there, and only an exec docker refuses (stopped, gone) looks again. Saves
   * a `docker inspect` (~60 ms) per exec; a backup makes seven.
   */
  private readonly seenRunning = new Set<string>();

  private constructor(options: ComposeOptions & { flavor: ComposeFlavor }) {
    this.files = options.files;
    this.env = options.env;
    this.flavor = options.flavor;
    this.binary = options.binary;
  }

  /** Checks files, docker, compose and the configuration, in that order; each failure has its own exit code. */
  static async open(options: ComposeOptions): Promise<Compose> {
    await assertFilesExist(options.files);
    if (options.flavor) {
      const compose = new Compose({ ...options, flavor: options.flavor });
      await compose.loadConfig();
      return compose;
    }
    // `config` runs beside the detection, with the tool most sites have (the plugin, or the
    // flavour OVENA_COMPOSE_FLAVOR forces): ~0.2 s less before every command. Its answer counts
    // only when the detection finds that same tool; a failure counts only then, and after the
    // detection's own errors (docker missing, daemon down).
    const guess = guessedTool(options.env);
    const early = guess ? new Compose({ ...options, ...guess }) : undefined;
    const config = early?.readConfig().then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    );
    const tool = await detectDocker(options.env);
    const compose =
      early && tool.flavor === early.flavor && tool.binary === early.binary
        ? early
        : new Compose({ ...options, ...tool });
    const read = compose === early ? await config : undefined;
    if (read && 'error' in read) throw compose.configError(read.error);
    compose.applyConfig(read?.text ?? (await compose.readConfigOrFail()));
    return compose;
  }

  private readConfig(): Promise<string> {
    return this.run(['config']).then((result) => result.stdout);
  }

  private async readConfigOrFail(): Promise<string> {
    try {
      return await this.readConfig();
    } catch (error) {
      throw this.configError(error);
    }
  }

  private configError(error: unknown): OvenaError {
    return new OvenaError(
      `compose file is invalid: ${firstLine(stderrOf(error))} (checked with "${this.binary ?? (this.flavor === 'v2' ? 'docker compose' : 'docker-compose')} config", compose ${this.flavor})`,
      ExitCode.config,
    );
  }

  private applyConfig(text: string): void {
    this.model = modelFromConfig(parseYaml(text) as unknown);
    registerSecrets(secretsOf(this.model));
    this.project = projectInfo(this.model, this.env);
  }

  private async loadConfig(): Promise<void> {
    this.applyConfig(await this.readConfigOrFail());
  }

  /** Runs a compose subcommand and returns its output; errors carry compose's own first line. */
  async run(
    args: readonly string[],
    options: RunOptions = {},
  ): Promise<{ stdout: string; stderr: string }> {
    const { file, args: argv } = composeInvocation(this.flavor, this.files, args, this.binary);
    // up, rm, down... may recreate or remove containers: look their ids up again afterwards.
    if (!['config', 'ps', 'version'].includes(args[0] ?? '')) {
      this.containerIds.clear();
      this.seenRunning.clear();
    }
    const result = await execa(file, argv, {
      env: this.env,
      cancelSignal: options.signal,
      forceKillAfterDelay: 5000,
      // No open stdin, ever: compose v2 would wait on it for the answer to a question.
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
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
    const { file, args } = composeInvocation(this.flavor, files, ['config', '-q'], this.binary);
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

  /**
   * `up` never passes `--yes`: v2 would then recreate any volume whose options changed, the
   * database volume included. A changed share volume stops ovena with one line on v1 and v2.
   */
  async up(services: readonly string[], signal?: AbortSignal): Promise<void> {
    const project = composeProjectName(this.files, this.env);
    await assertVolumesCurrent(this.model, services, project, (name) =>
      this.inspectVolume(name, signal),
    );
    const what = `starting ${services.join(', ')}`;
    const stdout = await this.runOrFail(what, upArgs(services), { signal });
    const prompted = promptedVolume(stdout, project);
    if (prompted) {
      const why = holdsDatabase(this.model, this.project.dbService, prompted)
        ? databaseVolumeMessage(prompted)
        : volumeDriftMessage(prompted, 'driver');
      throw new OvenaError(`${what} failed: ${why}`);
    }
  }

  private async inspectVolume(
    name: string,
    signal?: AbortSignal,
  ): Promise<DockerVolume | undefined> {
    try {
      const [volume] = JSON.parse(
        await this.docker(['volume', 'inspect', name], { signal }),
      ) as DockerVolume[];
      return volume;
    } catch (error) {
      if (error instanceof ExecaError && error.isCanceled) throw error;
      return undefined;
    }
  }

  async stop(services: readonly string[], signal?: AbortSignal): Promise<void> {
    await this.runOrFail(`stopping ${services.join(', ')}`, stopArgs(services), { signal });
  }

  async containerId(service: string, signal?: AbortSignal): Promise<string | undefined> {
    const cached = this.containerIds.get(service);
    if (cached) return cached;
    const labelled = await this.containerByLabels(service, signal);
    if (labelled) {
      this.containerIds.set(service, labelled);
      return labelled;
    }
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

  /**
   * compose v2's `ps -a -q SERVICE` is a filter on the labels it puts on its containers (project,
   * service, not one-off): `docker ps` with the same filters answers in ~50 ms against ~280 ms.
   * Only with the project's name from `config` (v2), and only when exactly one container matches;
   * otherwise compose itself is asked.
   */
  private async containerByLabels(
    service: string,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const project = this.model.projectName;
    if (this.flavor !== 'v2' || !project) return undefined;
    const filters = [
      `label=com.docker.compose.project=${project}`,
      `label=com.docker.compose.service=${service}`,
      'label=com.docker.compose.oneoff=False',
    ];
    try {
      const ids = (
        await this.docker(
          ['ps', '-a', '-q', '--no-trunc', ...filters.flatMap((filter) => ['--filter', filter])],
          signal ? { signal } : {},
        )
      )
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      return ids.length === 1 ? ids[0] : undefined;
    } catch {
      signal?.throwIfAborted();
      return undefined;
    }
  }

  /** Forgets a cached container id (the container was removed behind our back). */
  forgetContainer(service: string): void {
    this.containerIds.delete(service);
    this.seenRunning.delete(service);
  }

  /** The service's container if `runningContainer` saw it running since the last compose command. */
  seenRunningContainer(service: string): string | undefined {
    return this.seenRunning.has(service) ? this.containerIds.get(service) : undefined;
  }

  inspect(containerId: string, signal?: AbortSignal): Promise<ContainerState | undefined> {
    return inspectContainer(this, containerId, signal);
  }

  serviceState(service: string, signal?: AbortSignal): Promise<ServiceState> {
    return serviceState(this, service, signal);
  }

  /** The running container of a service, or a clear error saying it is not running. */
  async runningContainer(service: string, signal?: AbortSignal): Promise<string> {
    const id = await runningContainer(this, service, signal);
    if (this.containerIds.get(service) === id) this.seenRunning.add(service);
    return id;
  }

  /** Polls `docker inspect` until the service is healthy (or running, without a healthcheck). */
  waitHealthy(service: string, options: WaitHealthyOptions = {}): Promise<void> {
    return waitHealthy(this, service, options);
  }

  /** A short command in a service's container (or a one-off container); returns its output. */
  execCapture(
    service: string,
    argv: readonly string[],
    options: ExecCaptureOptions = {},
  ): Promise<string> {
    return execCapture(this, service, argv, options);
  }

  /** A long command in a container, unbuffered; an abort kills its process group in there. */
  execStream(
    service: string,
    argv: readonly string[],
    options: ExecStreamOptions = {},
  ): Promise<void> {
    return execStream(this, service, argv, options);
  }
}
