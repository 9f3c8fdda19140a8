import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ovenaBin, repoRoot } from '../helpers/stack.ts';

const hook = path.join(repoRoot, 'test/helpers/record-imports.mjs');

function loadedPackages(args: string[]): { packages: string[]; status: number | null } {
  const result = spawnSync(process.execPath, ['--import', hook, ovenaBin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OVENA_COMPOSE_FILE: '/nonexistent/ovena-test.yml' },
  });
  const line =
    result.stderr.split('\n').find((entry) => entry.startsWith('loaded-packages: ')) ?? '';
  return {
    packages: line.slice('loaded-packages: '.length).split(',').filter(Boolean),
    status: result.status,
  };
}

describe('start-up', () => {
  it('the hook sees packages at all (the check below can fail)', () => {
    const { packages } = loadedPackages(['status']);
    assert.ok(packages.includes('execa'), `expected execa among ${packages.join(',')}`);
  });

  for (const args of [['--version'], ['--help'], ['status'], ['start'], ['stop'], ['bogus']]) {
    it(`"ovena ${args.join(' ')}" off a terminal loads neither Ink nor React`, () => {
      const { packages } = loadedPackages(args);
      assert.ok(!packages.includes('ink'), packages.join(','));
      assert.ok(!packages.includes('react'), packages.join(','));
    });
  }
});
