/**
 * What refuses what: the one table (the README's "Locking" section is this table in words).
 *
 * Every operation that changes the stack or the share takes the host lock with its kind. A new
 * holder is refused (exit 75, naming the running one) while a live holder of a conflicting kind
 * exists. The relation is symmetric; read-only commands (status, list, check, the home screen,
 * the restore picker) take no lock at all.
 */
export const lockKinds = [
  'backup',
  'restore',
  'cifs-apply',
  'cifs-set',
  'start',
  'stop',
  'drill',
  'images-check',
  'images-reconcile',
  'prune',
  // Issue 18: the load of a beside restore (the live database keeps serving; only its switch
  // takes `restore`, for its seconds).
  'beside-load',
] as const;

export type LockKind = (typeof lockKinds)[number];

/** restore and `cifs apply` are exclusive: they refuse, and are refused by, every other kind. */
const exclusive: readonly LockKind[] = ['restore', 'cifs-apply'];

/** Pairs (besides the exclusive kinds) that must never run at the same time. */
const conflictPairs: readonly (readonly [LockKind, LockKind])[] = [
  ['backup', 'backup'],
  ['start', 'start'],
  ['start', 'stop'],
  ['stop', 'stop'],
  ['start', 'backup'],
  ['stop', 'backup'],
  ['start', 'images-reconcile'],
  ['stop', 'images-reconcile'],
  ['cifs-set', 'cifs-set'],
  ['drill', 'drill'],
  ['images-reconcile', 'images-reconcile'],
  ['images-reconcile', 'images-check'],
  ['images-reconcile', 'prune'],
  ['prune', 'prune'],
  // Issue 13: a prune and a backup never run at once (a prune must see the backup's outcome).
  ['backup', 'prune'],
  // Issue 18: one beside load at a time; start/stop would pull the database from under it.
  ['beside-load', 'beside-load'],
  ['beside-load', 'start'],
  ['beside-load', 'stop'],
];

/** Whether a holder of kind `a` and one of kind `b` may never run at the same time. */
export function conflicts(a: LockKind, b: LockKind): boolean {
  if (exclusive.includes(a) || exclusive.includes(b)) return true;
  return conflictPairs.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

/** The noun an operator reads in a refusal ("a restore of X is running"). */
export const kindLabels: Record<LockKind, string> = {
  backup: 'backup',
  restore: 'restore',
  'cifs-apply': 'cifs apply',
  'cifs-set': 'cifs set',
  start: 'start',
  stop: 'stop',
  drill: 'restore drill',
  'images-check': 'image check',
  'images-reconcile': 'image reconcile',
  prune: 'prune',
  'beside-load': 'beside restore (loading)',
};

/**
 * The phases a restore records in its marker (`restore-in-progress.json`), and what a marker left
 * in each phase blocks once the restore itself is gone (while it runs, its lock blocks more).
 * - `stopping`: services being stopped; the database is still the original: blocks nothing.
 * - `destroyed`: the database volume is (being) removed: the database is empty.
 * - `loading`: the dump is being loaded: the database is only partly there.
 * - `checking`: loaded, not yet checked.
 * - `beside-loading` (issue 18): a dump is being loaded into `<db>_restore_*` beside the live
 *   database, which is untouched: blocks nothing (the next beside restore drops the leftover).
 * - `beside-switching`: the renames of a beside switch (or undo) may be half done; `ovena start`
 *   or the next restore finishes or undoes it, so it blocks backup, drill and the image commands.
 * An unreadable marker blocks what `destroyed` blocks: it never unblocks anything.
 */
export const restorePhases = [
  'stopping',
  'destroyed',
  'loading',
  'checking',
  'beside-loading',
  'beside-switching',
] as const;
export type RestorePhase = (typeof restorePhases)[number];

const afterDestroy: readonly LockKind[] = [
  'start',
  'backup',
  'drill',
  'images-check',
  'images-reconcile',
];

export const markerBlocks: Record<RestorePhase | 'unreadable', readonly LockKind[]> = {
  stopping: [],
  destroyed: afterDestroy,
  loading: afterDestroy,
  checking: afterDestroy,
  'beside-loading': [],
  'beside-switching': ['backup', 'drill', 'images-check', 'images-reconcile'],
  unreadable: afterDestroy,
};
