import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { ExitCode, OvenaError } from '../errors.ts';
import type { ComposeFlavor } from './invocation.ts';

/**
 * Which compose drives the project: its flavour (v1 or v2 behaviour) and, for a standalone
 * binary, the binary to run (`docker-compose` 1.x or 2.x, or the one OVENA_COMPOSE_BIN names).
 * No binary means the docker CLI plugin: `docker compose`.
 */
export type ComposeTool = { flavor: ComposeFlavor; binary?: string };

/** Finds an executable on PATH without running it (docker-compose v1 takes ~0.4 s just to start). */
export async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<boolean> {
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

/** `version --short` answers "1.29.2" (v1), "2.40.3" or "2.40.3-3" (Debian) or "v2.x" (v2). */
export function flavorOfVersion(text: string): ComposeFlavor | undefined {
  const match = /^v?(\d+)\.\d+/.exec(text.trim());
  if (!match) return undefined;
  return match[1] === '1' ? 'v1' : 'v2';
}

async function standaloneFlavor(
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<ComposeFlavor | undefined> {
  try {
    const { stdout } = await execa(binary, ['version', '--short'], { env, timeout: 20_000 });
    return flavorOfVersion(stdout);
  } catch {
    return undefined;
  }
}

/**
 * Detection: OVENA_COMPOSE_BIN names a standalone binary (its version says v1 or v2);
 * OVENA_COMPOSE_FLAVOR=v1|v2 forces the flavour (v2 runs `docker compose`, v1 `docker-compose`);
 * otherwise `docker compose` (the plugin) is preferred, then a standalone `docker-compose`, which
 * is v2 when it reports 2.x. Undefined when no compose is installed.
 */
export async function detectComposeTool(env: NodeJS.ProcessEnv): Promise<ComposeTool | undefined> {
  const forced = env.OVENA_COMPOSE_FLAVOR;
  if (forced !== undefined && forced !== '' && forced !== 'v1' && forced !== 'v2') {
    throw new OvenaError(
      `OVENA_COMPOSE_FLAVOR is "${forced}": set it to v1 or v2, or unset it to detect the compose version`,
      ExitCode.config,
    );
  }
  const binary = env.OVENA_COMPOSE_BIN;
  if (binary) {
    const flavor = forced || (await standaloneFlavor(binary, env));
    if (!flavor) {
      throw new OvenaError(
        `OVENA_COMPOSE_BIN is "${binary}" but "${binary} version --short" does not answer a compose version: point it at a docker-compose binary`,
        ExitCode.dockerMissing,
      );
    }
    return { flavor, binary };
  }
  if (forced === 'v1' || forced === 'v2') return { flavor: forced };
  try {
    await execa('docker', ['compose', 'version'], { env, timeout: 20_000 });
    return { flavor: 'v2' };
  } catch {
    if (!(await onPath('docker-compose', env))) return undefined;
    const flavor = await standaloneFlavor('docker-compose', env);
    if (flavor === 'v2') return { flavor, binary: 'docker-compose' };
    return flavor ? { flavor } : undefined;
  }
}
