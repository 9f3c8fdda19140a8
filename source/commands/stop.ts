import type { CommandContext } from '../cli/context.ts';
import { openCompose } from '../compose/open-compose.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { stopJob } from '../lifecycle/stop.ts';

export async function run(context: CommandContext): Promise<number> {
  const compose = await openCompose(context);
  const job = stopJob(
    compose,
    context.paths.stateDir,
    '"ovena status" shows which',
    '"ovena start" starts them again',
  );
  return (await executeJob(job, context)).exitCode;
}
