import { PassThrough } from 'node:stream';
import { ExitCode, OvenaError } from '../errors.ts';
import type { BuildGate } from './build-gate.ts';
import { parseLoadFailure } from './load-error.ts';
import type { PgTarget } from './pg-target.ts';
import { canStart, headItem, nextItems, type PostData, type PostDataItem } from './post-data.ts';

/**
 * Builds a dump's post-data items (post-data.ts) in parallel psql sessions on any PgTarget: the
 * fast load's one-off server, or a live server beside the production database. Each session is
 * one `psql -f -` fed through stdin; after each item it prints `\warn ovena-item-done ID`
 * (stderr is unbuffered), so the scheduler knows when to hand it the next one.
 */
export type PostDataOptions = {
  signal: AbortSignal;
  /** Parallel sessions (one per CPU; sessions × maintenance_work_mem must fit in memory). */
  sessions: number;
  /** Run first in every session, e.g. "SET maintenance_work_mem = '256MB'". */
  settings?: readonly string[];
  /** Bigger tables first (their items form the longest chains); e.g. relpages. */
  tableWeight?(table: string): number;
  onProgress?(done: number, total: number, running: readonly string[]): void;
  /** Names the dump in errors. */
  dumpName?: string;
  /** While the data still loads: which items may start, and how many at once (build-gate.ts). */
  gate?: BuildGate;
};

type Session = {
  input: PassThrough;
  finished: Promise<void>;
  current: PostDataItem | undefined;
  errors: string[];
  onDone: ((id: number) => void) | undefined;
};

const donePattern = /^ovena-item-done (\d+)$/;

function describe(item: PostDataItem): string {
  return `${item.type} ${item.name}`;
}

/** The statement's first line, shortened: what an operator can find in the dump. */
function statementOf(item: PostDataItem): string {
  const first =
    item.sql
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('--'))
      .join(' ')
      .replace(/\s+/g, ' ') || item.sql;
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}

/** How long one item took (where a parallel build's time goes). */
export type ItemTiming = { item: string; ms: number };

/** Runs every item; returns their timings, slowest first, when all are built. Throws OvenaError (65) naming a failed statement. */
export async function runPostData(
  target: PgTarget,
  postData: PostData,
  options: PostDataOptions,
): Promise<ItemTiming[]> {
  const { items } = postData;
  if (items.length === 0) return [];
  const startedAt = new Map<number, number>();
  const timings: ItemTiming[] = [];
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  const count = Math.max(1, Math.min(options.sessions, items.length));
  const done = new Set<number>();
  const running = new Set<number>();
  let failure: { item: PostDataItem | undefined; errors: string[] } | undefined;
  const sessions: Session[] = [];
  const preamble = [postData.preamble, ...(options.settings ?? []).map((s) => `${s};`)].join('\n');

  let wake: (() => void) | undefined;
  let nudged = false;
  const nudge = () => {
    nudged = true;
    wake?.();
  };
  const { gate } = options;
  const unsubscribe = gate?.onChange(nudge);

  for (let index = 0; index < count; index++) {
    const input = new PassThrough();
    const session: Session = {
      input,
      finished: Promise.resolve(),
      current: undefined,
      errors: [],
      onDone: undefined,
    };
    session.finished = target
      .stream(
        [
          'psql',
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-U',
          target.user,
          '-d',
          target.database,
          '-f',
          '-',
        ],
        {
          signal: controller.signal,
          stdin: input,
          onStderrLine: (line) => {
            const match = donePattern.exec(line.trim());
            if (match) {
              session.onDone?.(Number(match[1]));
              return;
            }
            if (session.errors.length < 50 && line.trim() !== '') session.errors.push(line);
          },
        },
      )
      .catch((error: unknown) => {
        if (!failure && !controller.signal.aborted) {
          failure = {
            item: session.current,
            errors: session.errors.length > 0 ? session.errors : [String((error as Error).message)],
          };
          controller.abort(new Error('a post-data item failed'));
        }
      })
      .finally(nudge);
    session.onDone = (id) => {
      const item = items[id];
      if (item)
        timings.push({ item: describe(item), ms: Date.now() - (startedAt.get(id) ?? Date.now()) });
      running.delete(id);
      done.add(id);
      session.current = undefined;
      options.onProgress?.(done.size, items.length, runningNames());
      nudge();
    };
    input.write(`${preamble}\n`);
    sessions.push(session);
  }
  const runningNames = () =>
    items.filter((item) => running.has(item.id)).map((item) => describe(item));

  try {
    options.onProgress?.(0, items.length, []);
    while (done.size < items.length) {
      if (failure || controller.signal.aborted) break;
      const idle = sessions.filter((session) => session.current === undefined);
      // While the data loads, fewer items build at once (the gate's limit), but one session is
      // kept for the head of the longest chain: it starts the moment its tables are in, even
      // beside a mid-sized build started earlier (Orthanc's trigram GIN index at 1.1 GB: 40 s).
      const head = gate && !gate.isOpen ? headItem(items, done, options.tableWeight) : undefined;
      const reserved = head && !running.has(head.id) ? 1 : 0;
      const free = Math.min(idle.length - reserved, (gate?.limit(count) ?? count) - running.size);
      const picked =
        free > 0
          ? nextItems(items, { done, running }, free, options.tableWeight, (item) =>
              gate ? gate.allows(item) && item !== head : true,
            )
          : [];
      if (
        head &&
        reserved &&
        gate?.allows(head) &&
        canStart(items, head, { done, running: new Set([...running, ...picked.map((i) => i.id)]) })
      ) {
        picked.push(head);
      }
      picked.forEach((item, position) => {
        const session = idle[position];
        if (!session) return;
        session.current = item;
        startedAt.set(item.id, Date.now());
        running.add(item.id);
        session.input.write(`${item.sql}\n\\warn ovena-item-done ${item.id}\n`);
      });
      if (picked.length > 0) options.onProgress?.(done.size, items.length, runningNames());
      if (running.size === 0 && picked.length === 0 && (gate?.isOpen ?? true)) {
        throw new OvenaError(
          'the post-data items cannot be ordered (a dependency never clears)',
          ExitCode.failed,
        );
      }
      if (!nudged) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      nudged = false;
      wake = undefined;
    }
    for (const session of sessions) session.input.end();
    await Promise.all(sessions.map((session) => session.finished));
  } finally {
    if (failure || options.signal.aborted) controller.abort(options.signal.reason);
    for (const session of sessions) session.input.end();
    await Promise.all(sessions.map((session) => session.finished));
    options.signal.removeEventListener('abort', onOuterAbort);
    unsubscribe?.();
  }
  options.signal.throwIfAborted();
  if (failure) {
    const name = options.dumpName ?? 'the dump';
    const parsed = parseLoadFailure(failure.errors);
    const reason = parsed?.error ?? failure.errors.at(-1) ?? 'unknown error';
    const what = failure.item
      ? `${describe(failure.item)} (${statementOf(failure.item)})`
      : 'a post-data statement';
    throw new OvenaError(
      `${name} does not load: the post-data item ${what} failed: ${reason}`,
      ExitCode.dataError,
    );
  }
  return timings.sort((a, b) => b.ms - a.ms);
}
