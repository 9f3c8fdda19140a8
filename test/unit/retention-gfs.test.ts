import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Dated, isoWeek, planGfs } from '../../source/retention/gfs.ts';
import { emptyGfsPolicy, type GfsPolicy } from '../../source/retention/policy.ts';
import { day, hour, oracle, oracleWeek } from '../helpers/gfs-oracle.ts';

/** A seeded generator, so the 400-day sets are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function stampName(ms: number): string {
  const stamp = new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `ovena-db-backup-${stamp}.sql.gz`;
}

/** About 400 days of dumps ending at `now`: mostly hourly, with gaps, and bursts within one hour. */
function dumpSet(now: number, seed: number): Dated[] {
  const next = random(seed);
  const times = new Set<number>();
  for (let at = now - 400 * day; at <= now; at += hour) {
    const roll = next();
    if (roll < 0.15) continue; // missed hours
    if (roll > 0.98) at += Math.floor(next() * 5) * day; // a gap of days
    const offset = Math.floor(next() * 3000) * 1000;
    times.add(Math.min(now, at + offset));
    if (roll > 0.93) times.add(Math.min(now, at + offset + 60_000)); // two in one hour
  }
  return [...times].map((timeMs) => ({ name: stampName(timeMs), timeMs }));
}

const policies: Array<[string, Partial<GfsPolicy>]> = [
  ['only last 1', { last: 1 }],
  ['last 24', { last: 24 }],
  ['hourly 48', { hourly: 48 }],
  ['daily 14', { daily: 14 }],
  ['weekly 8', { weekly: 8 }],
  ['monthly 12', { monthly: 12 }],
  ['typical GFS', { last: 3, hourly: 24, daily: 7, weekly: 4, monthly: 6 }],
  ['counts beyond the history', { daily: 1000, weekly: 1000, monthly: 1000 }],
  ['everything', { last: 5, hourly: 500, daily: 90, weekly: 53, monthly: 13 }],
];

const fixedNow = Date.UTC(2026, 10, 27, 4, 0, 0);
// Ends in 2027 so that the 400 days hold 2026's ISO week 53 (2026-12-28 .. 2027-01-03).
const week53Now = Date.UTC(2027, 1, 15, 12, 0, 0);

describe('GFS plan (restic forget semantics, UTC) against a brute-force oracle', () => {
  for (const [clock, now] of [
    ['2026-11-27', fixedNow],
    ['2027-02-15 (ISO week 2026-W53 inside)', week53Now],
  ] as const) {
    for (const [seed, dumps] of [1, 2].map((seed) => [seed, dumpSet(now, seed)] as const)) {
      for (const [label, counts] of policies) {
        it(`${label}, 400 days to ${clock}, set ${seed} (${dumps.length} dumps)`, () => {
          const policy = { ...emptyGfsPolicy, ...counts };
          assert.deepEqual(planGfs(dumps, policy), oracle(dumps, policy));
        });
      }
    }
  }

  it('ISO week 53: the last days of 2026 and the first of 2027 are one week', () => {
    assert.equal(isoWeek(Date.UTC(2026, 11, 28)), 202_653);
    assert.equal(isoWeek(Date.UTC(2027, 0, 3, 23, 59)), 202_653);
    assert.equal(isoWeek(Date.UTC(2027, 0, 4)), 202_701);
    assert.equal(isoWeek(Date.UTC(2021, 0, 1)), 202_053);
    assert.equal(oracleWeek(Date.UTC(2027, 0, 1)), '2026-W53');
    const dumps = [Date.UTC(2026, 11, 28, 5), Date.UTC(2027, 0, 2, 5), Date.UTC(2027, 0, 4, 5)].map(
      (timeMs) => ({ name: stampName(timeMs), timeMs }),
    );
    const plan = planGfs(dumps, { ...emptyGfsPolicy, weekly: 2 });
    assert.deepEqual(plan.get(stampName(Date.UTC(2027, 0, 4, 5))), ['weekly #1']);
    assert.deepEqual(plan.get(stampName(Date.UTC(2027, 0, 2, 5))), ['weekly #2']);
    assert.deepEqual(plan.get(stampName(Date.UTC(2026, 11, 28, 5))), []);
  });

  it('several dumps within one hour: the newest of them stands for the hour', () => {
    const base = Date.UTC(2026, 10, 27, 3, 0, 0);
    const dumps = [0, 10, 20, 59].map((minute) => ({
      name: stampName(base + minute * 60_000),
      timeMs: base + minute * 60_000,
    }));
    const plan = planGfs(dumps, { ...emptyGfsPolicy, hourly: 5, last: 2 });
    assert.deepEqual(plan.get(stampName(base + 59 * 60_000)), ['last #1', 'hourly #1']);
    assert.deepEqual(plan.get(stampName(base + 20 * 60_000)), ['last #2']);
    assert.deepEqual(plan.get(stampName(base + 10 * 60_000)), []);
    assert.deepEqual(plan.get(stampName(base)), []);
  });

  it('an empty share gives an empty plan', () => {
    assert.equal(planGfs([], { ...emptyGfsPolicy, daily: 7 }).size, 0);
  });

  it('only last: 1 keeps exactly the newest dump', () => {
    const dumps = dumpSet(fixedNow, 3);
    const plan = planGfs(dumps, { ...emptyGfsPolicy, last: 1 });
    const kept = [...plan].filter(([, reasons]) => reasons.length > 0);
    const newest = dumps.reduce((a, b) => (b.timeMs > a.timeMs ? b : a));
    assert.deepEqual(kept, [[newest.name, ['last #1']]]);
  });

  it('DST has no effect: the plan is the same whatever the local time zone', () => {
    const saved = process.env.TZ;
    // Around the European and American DST changes of 2026 (March 29, March 8, Oct 25, Nov 1).
    const dumps = dumpSet(Date.UTC(2026, 10, 2, 12), 4);
    const policy = { ...emptyGfsPolicy, hourly: 2000, daily: 300, weekly: 50, monthly: 12 };
    try {
      process.env.TZ = 'UTC';
      const reference = planGfs(dumps, policy);
      for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
        process.env.TZ = zone;
        assert.deepEqual(planGfs(dumps, policy), reference, zone);
      }
      assert.deepEqual(reference, oracle(dumps, policy));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
