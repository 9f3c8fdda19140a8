import { access, constants } from 'node:fs/promises';
import { ExecaError, execa } from 'execa';
import { ExitCode, OvenaError } from '../errors.ts';
import { type ComposeTool, detectComposeTool } from './detect-flavor.ts';
import { firstLine, isMissingBinary, stderrOf } from './tool-errors.ts';

const daemonDownPattern =
  /cannot connect to the docker daemon|is the docker daemon running|error during connect/i;
const permissionPattern = /permission denied.*docker\.sock|got permission denied/i;

/** Detects the docker client, the daemon and the compose flavour, with one clear error for each failure. */
export async function detectDocker(env: NodeJS.ProcessEnv): Promise<ComposeTool> {
  // Both questions at once: this runs before every command.
  const [daemon, flavor] = await Promise.allSettled([
    execa('docker', ['version', '--format', '{{.Server.Version}}'], { env, timeout: 20_000 }),
    detectComposeTool(env),
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
  if (flavor.status === 'rejected') throw flavor.reason;
  throw new OvenaError(
    'docker compose is not installed: install the compose plugin (docker-compose-plugin) or docker-compose',
    ExitCode.dockerMissing,
  );
}

/** Each compose file must be readable before compose is asked anything. */
export async function assertFilesExist(files: readonly string[]): Promise<void> {
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
