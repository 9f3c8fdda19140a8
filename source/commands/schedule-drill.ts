import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { UsageError } from '../errors.ts';
import {
  describeSchedule,
  drillWrapperName,
  readSchedule,
  type Schedule,
  setSchedule,
} from '../schedule/schedule.ts';

/** `ovena schedule drill [daily|weekly|off]`: the drill's own cron wrapper, same rules as the backup's. */
export async function runDrillSchedule(context: CommandContext): Promise<number> {
  const { cronDir } = context.paths;
  if (context.args.length > 2) {
    throw new UsageError('schedule drill takes one argument: daily, weekly or off');
  }
  const wanted = context.args[1];
  const out = context.io.stdout;
  if (wanted === undefined) {
    const state = await readSchedule(cronDir, drillWrapperName);
    if (context.json) writeLine(out, JSON.stringify({ cronDir, ...state }));
    else writeLine(out, `Drill schedule: ${describeSchedule(state, drillWrapperName)}`);
    return 0;
  }
  if (wanted !== 'daily' && wanted !== 'weekly' && wanted !== 'off') {
    throw new UsageError(`unknown drill schedule "${wanted}": use daily, weekly or off`);
  }
  const change = await setSchedule(cronDir, wanted as Schedule, { wrapper: drillWrapperName });
  if (context.json) {
    writeLine(
      out,
      JSON.stringify({
        cronDir,
        ...change.after,
        previous: change.before.schedule,
        changed: change.changed,
      }),
    );
  } else if (!change.changed) {
    writeLine(out, `Drill schedule unchanged: ${describeSchedule(change.after, drillWrapperName)}`);
  } else {
    writeLine(
      out,
      `Drill schedule: ${describeSchedule(change.after, drillWrapperName)} (was ${change.before.schedule})`,
    );
  }
  return 0;
}
