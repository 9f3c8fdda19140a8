import type { CommandContext } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { startJob } from '../lifecycle/start.ts';

export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const job = startJob(
    compose,
    context.paths.stateDir,
    '"ovena status" shows which, "ovena start" tries again',
  );
  return (await executeJob(job, context)).exitCode;
}
