/**
 * Test-only (README: Environment): `OVENA_TEST_BESIDE_DIE_AT=POINT` kills this process with
 * SIGKILL right before POINT of a beside restore (`load`, `stop-orthanc`, `block`, `terminate`,
 * `rename`, `allow`, `start-orthanc`), so that tests can prove each crash is finished or undone.
 */
export const diePoints = [
  'load',
  'stop-orthanc',
  'block',
  'terminate',
  'rename',
  'allow',
  'start-orthanc',
] as const;
export type DiePoint = (typeof diePoints)[number];

export function dieHook(env: NodeJS.ProcessEnv, point: DiePoint): void {
  if (env.OVENA_TEST_BESIDE_DIE_AT === point) process.kill(process.pid, 'SIGKILL');
}
