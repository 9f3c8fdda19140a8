import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode, OvenaError } from '../errors.ts';
import type { Compose } from './compose.ts';
import { isCanceled } from './tool-errors.ts';

/** Container state and health, read with `docker inspect` (the same on compose v1 and v2). */
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

type InspectEntry = {
  Id: string;
  State: {
    Status: string;
    Running: boolean;
    StartedAt?: string;
    ExitCode?: number;
    Health?: { Status: string };
  };
  Mounts?: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
};

export async function inspectContainer(
  compose: Pick<Compose, 'docker'>,
  containerId: string,
  signal?: AbortSignal,
): Promise<ContainerState | undefined> {
  let text: string;
  try {
    text = await compose.docker(['inspect', containerId], { signal });
  } catch (error) {
    if (isCanceled(error)) throw error;
    return undefined;
  }
  const [entry] = JSON.parse(text) as InspectEntry[];
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

export async function serviceState(
  compose: Compose,
  service: string,
  signal?: AbortSignal,
): Promise<ServiceState> {
  let containerId = await compose.containerId(service, signal);
  let state = containerId ? await compose.inspect(containerId, signal) : undefined;
  if (containerId && !state) {
    // Removed behind our back (docker rm): ask compose again.
    compose.forgetContainer(service);
    containerId = await compose.containerId(service, signal);
    state = containerId ? await compose.inspect(containerId, signal) : undefined;
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

/**
 * Running and healthy (or without a healthcheck). A crash-looping container is "running" for a
 * moment after each restart (health "starting"): that does not count.
 */
export function isServing(state: ServiceState): boolean {
  return state.state === 'running' && (state.health === undefined || state.health === 'healthy');
}

/** The running container of a service, or a clear error saying it is not running. */
export async function runningContainer(
  compose: Compose,
  service: string,
  signal?: AbortSignal,
): Promise<string> {
  const state = await compose.serviceState(service, signal);
  if (!state.containerId || state.state !== 'running') {
    throw new OvenaError(
      `the ${service} service is not running (${state.state}): start it with "ovena start"`,
      ExitCode.unavailable,
    );
  }
  return state.containerId;
}

export type WaitHealthyOptions = {
  signal?: AbortSignal;
  timeoutMs?: number;
  intervalMs?: number;
  onState?: (state: ServiceState) => void;
};

/**
 * Polls `docker inspect` until the service's container is healthy (or running, when it has no
 * healthcheck). Works on compose v1, which has no `up --wait`.
 */
export async function waitHealthy(
  compose: Compose,
  service: string,
  options: WaitHealthyOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    options.signal?.throwIfAborted();
    const state = await compose.serviceState(service, options.signal);
    options.onState?.(state);
    if (isServing(state)) return;
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
    await sleep(options.intervalMs ?? 500, undefined, { signal: options.signal });
  }
}
