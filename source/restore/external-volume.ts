import type { Compose } from '../compose/compose.ts';
import { ExitCode, OvenaError } from '../errors.ts';
import { dataDirectory } from './database-ops.ts';

/**
 * A from-scratch restore removes the database volume and lets compose create it again on the next
 * `up`. Compose never creates a volume declared `external: true`, so such a restore is refused in
 * preflight, before anything is stopped. (A restore mode that keeps the volume need not refuse.)
 */
export function refuseExternalDataVolume(compose: Pick<Compose, 'model' | 'project'>): void {
  const service = compose.model.services[compose.project.dbService];
  const mount = service?.volumes.find(
    (entry) => entry.target.replace(/\/+$/, '') === dataDirectory && entry.type === 'volume',
  );
  const name = mount?.source;
  if (!name || compose.model.volumes[name]?.external !== true) return;
  throw new OvenaError(
    `the database volume "${name}" is declared external: true in the compose file, and compose cannot recreate an external volume once a restore removed it: nothing was changed`,
    ExitCode.config,
  );
}
