import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { UsageError } from '../errors.ts';
import {
  describeSchedule,
  parseSchedule,
  readSchedule,
  setSchedule,
} from '../schedule/schedule.ts';

/** `ovena schedule` shows; `ovena schedule hourly|daily|weekly|off` moves the cron wrapper. */
export async function run(context: CommandContext): Promise<number> {
  const { cronDir } = context.paths;
  if (context.args[0] === 'drill') {
    const { runDrillSchedule } = await import('./schedule-drill.ts');
    return runDrillSchedule(context);
  }
  if (context.args.length > 1) {
    throw new UsageError(`schedule takes one argument: hourly, daily, weekly or off`);
  }
  const [wanted] = context.args;
  if (wanted === undefined) {
    const state = await readSchedule(cronDir);
    if (context.json) writeLine(context.io.stdout, JSON.stringify({ cronDir, ...state }));
    else writeLine(context.io.stdout, `Backup schedule: ${describeSchedule(state)}`);
    return 0;
  }
  const target = parseSchedule(wanted);
  const change = await setSchedule(cronDir, target);
  if (context.json) {
    writeLine(
      context.io.stdout,
      JSON.stringify({
        cronDir,
        ...change.after,
        previous: change.before.schedule,
        changed: change.changed,
      }),
    );
  } else if (!change.changed) {
    writeLine(context.io.stdout, `Backup schedule unchanged: ${describeSchedule(change.after)}`);
  } else {
    writeLine(
      context.io.stdout,
      `Backup schedule: ${describeSchedule(change.after)} (was ${change.before.schedule})`,
    );
  }
  return 0;
}
