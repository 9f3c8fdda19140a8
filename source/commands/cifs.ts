import type { Readable } from 'node:stream';
import { recreateJob } from '../cifs/recreate-volumes.ts';
import { recreateAdvice, type SavedEdit, saveShareChanges } from '../cifs/save-share.ts';
import { loadShares, type ShareChanges, summarize } from '../cifs/shares.ts';
import { shareLines } from '../cifs/show-shares.ts';
import type { CommandContext } from '../cli/context.ts';
import { writeLine } from '../cli/context.ts';
import { booleanOption, stringOption } from '../cli/parse-args.ts';
import type { Compose } from '../compose/compose.ts';
import { openCompose } from '../compose/open-compose.ts';
import { ExitCode, UsageError } from '../errors.ts';
import { executeJob } from '../jobs/execute-job.ts';
import { acquireLock } from '../lock/host-lock.ts';
import { collectStatus } from '../monitoring/collect-status.ts';
import { statusLines } from '../monitoring/status-lines.ts';
import type { CifsServices } from '../ui/cifs/run-cifs-interactive.tsx';

export async function readPasswordFromStdin(stdin: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  // One trailing line break is the end of the line typed or echoed, not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function applyVolumes(
  context: CommandContext,
  compose: Compose,
  volumes: string[],
): Promise<number> {
  const lock = await acquireLock(context.paths.stateDir, 'cifs-apply');
  try {
    const result = await executeJob(recreateJob(compose, volumes, context.paths.stateDir), context);
    if (!context.json) {
      const status = await collectStatus(compose);
      writeLine(context.io.stdout, '');
      for (const line of statusLines(status)) writeLine(context.io.stdout, line);
    }
    return result.exitCode;
  } finally {
    await lock.release();
  }
}

/** What the interactive `ovena cifs` does once a screen has answered. */
export function cifsServices(context: CommandContext): CifsServices {
  const { composeFiles } = context.paths;
  let compose: Promise<Compose> | undefined;
  const opened = () => {
    compose ??= openCompose(context);
    return compose;
  };
  return {
    loadShares: () => loadShares(composeFiles),
    ready: async () => {
      await opened();
    },
    saveShare: async (shown, changes) => {
      // Read the files again: the edit applies to what is on disk now.
      const current = await loadShares(composeFiles);
      const share = current.find((entry) => entry.volume === shown.volume) ?? shown;
      const lock = await acquireLock(context.paths.stateDir, 'cifs-set');
      try {
        return await saveShareChanges(await opened(), composeFiles, share, changes, current);
      } finally {
        await lock.release();
      }
    },
    recreateVolumes: async (volumes) => {
      const lock = await acquireLock(context.paths.stateDir, 'cifs-apply');
      try {
        const fresh = await openCompose(context);
        const job = recreateJob(fresh, volumes, context.paths.stateDir);
        const result = await executeJob(job, context);
        return { exitCode: result.exitCode, statusLines: statusLines(await collectStatus(fresh)) };
      } finally {
        await lock.release();
      }
    },
  };
}

async function runShow(context: CommandContext): Promise<number> {
  const shares = (await loadShares(context.paths.composeFiles)).map(summarize);
  if (context.json) writeLine(context.io.stdout, JSON.stringify({ shares }, null, 2));
  else for (const line of shareLines(shares)) writeLine(context.io.stdout, line);
  return ExitCode.ok;
}

async function runSet(context: CommandContext): Promise<number> {
  const [volume, ...extra] = context.args.slice(1);
  if (!volume) throw new UsageError('cifs set needs a VOLUME (see "ovena cifs show")');
  if (extra.length > 0)
    throw new UsageError(
      // The stray word is most likely a password typed on the command line: never echo it.
      `cifs set takes one VOLUME and options; ${extra.length} more word(s) given: the password is read only from standard input (--password-stdin)`,
    );
  const changes: ShareChanges = {};
  for (const field of ['server', 'share', 'username', 'domain', 'vers'] as const) {
    const value = stringOption(context.options, field);
    if (value !== undefined) changes[field] = value;
  }
  if (booleanOption(context.options, 'password-stdin')) {
    if (context.io.stdin.isTTY)
      throw new UsageError(
        '--password-stdin reads a pipe: printf %s "$PASSWORD" | ovena cifs set VOLUME --password-stdin',
      );
    changes.password = await readPasswordFromStdin(context.io.stdin);
  }
  if (Object.keys(changes).length === 0)
    throw new UsageError(
      'nothing to change: pass --server, --share, --username, --domain, --vers or --password-stdin',
    );
  const shares = await loadShares(context.paths.composeFiles);
  const share = shares.find((entry) => entry.volume === volume);
  if (!share)
    throw new UsageError(
      `no CIFS volume "${volume}" (CIFS volumes: ${shares.map((entry) => entry.volume).join(', ') || 'none'})`,
    );
  const compose = await openCompose(context);
  const lock = await acquireLock(context.paths.stateDir, 'cifs-set');
  let saved: SavedEdit | undefined;
  try {
    saved = await saveShareChanges(compose, context.paths.composeFiles, share, changes, shares);
  } finally {
    await lock.release();
  }
  const apply = booleanOption(context.options, 'apply');
  const stream = context.json ? context.io.stderr : context.io.stdout;
  if (!saved) {
    if (context.json)
      writeLine(
        context.io.stdout,
        JSON.stringify({ volume, file: share.file, changed: [], applied: false }),
      );
    else writeLine(stream, `Nothing changed: volume ${volume} already has these values.`);
    return ExitCode.ok;
  }
  writeLine(
    stream,
    `Updated volume ${volume} in ${saved.file} (${saved.changed.join(', ')}); previous version kept as ${saved.file}.bak.`,
  );
  if (saved.affectedVolumes.length > 1)
    writeLine(
      stream,
      `The change also applies to ${saved.affectedVolumes.filter((name) => name !== volume).join(', ')} (a value shared through a YAML anchor).`,
    );
  let exitCode: number = ExitCode.ok;
  if (apply) {
    const fresh = await openCompose(context);
    exitCode = await applyVolumes(
      { ...context, json: false, io: { ...context.io, stdout: stream } },
      fresh,
      saved.affectedVolumes,
    );
  } else {
    writeLine(stream, recreateAdvice(saved.affectedVolumes));
  }
  if (context.json)
    writeLine(context.io.stdout, JSON.stringify({ ...saved, applied: apply, exitCode }));
  return exitCode;
}

async function runApply(context: CommandContext): Promise<number> {
  let volumes = context.args.slice(1);
  if (volumes.length === 0)
    volumes = (await loadShares(context.paths.composeFiles)).map((share) => share.volume);
  if (volumes.length === 0)
    throw new UsageError('no CIFS volume in the compose files: name the volume to recreate');
  const compose = await openCompose(context);
  return applyVolumes(context, compose, volumes);
}

export async function run(context: CommandContext): Promise<number> {
  const [subcommand] = context.args;
  switch (subcommand) {
    case 'show':
      return runShow(context);
    case 'set':
      return runSet(context);
    case 'apply':
      return runApply(context);
    case undefined: {
      if (!context.interactive) return runShow(context);
      const { runCifsInteractive } = await import('../ui/cifs/run-cifs-interactive.tsx');
      return runCifsInteractive(context, cifsServices(context));
    }
    default:
      throw new UsageError(`unknown cifs subcommand "${subcommand}" (show, set, apply)`);
  }
}
