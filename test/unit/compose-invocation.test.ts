import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  composeInvocation,
  dockerExecArgs,
  groupWrappedArgv,
  psQuietArgs,
  upArgs,
} from '../../source/compose/invocation.ts';

describe('compose command construction', () => {
  it('uses "docker compose" for v2 with every file', () => {
    assert.deepEqual(composeInvocation('v2', ['/a.yml', '/b.yml'], ['ps']), {
      file: 'docker',
      args: ['compose', '-f', '/a.yml', '-f', '/b.yml', 'ps'],
    });
  });

  it('uses docker-compose for v1', () => {
    assert.deepEqual(composeInvocation('v1', ['/a.yml'], ['config']), {
      file: 'docker-compose',
      args: ['-f', '/a.yml', 'config'],
    });
  });

  it('lists stopped containers on both versions', () => {
    assert.deepEqual(psQuietArgs('v2', 'db'), ['ps', '-a', '-q', 'db']);
    assert.deepEqual(psQuietArgs('v1', 'db'), ['ps', '-q', 'db']);
  });

  it('starts only the named services, detached', () => {
    assert.deepEqual(upArgs(['db']), ['up', '-d', '--no-deps', 'db']);
  });

  it('never asks docker exec for a TTY and passes arguments as an array', () => {
    const args = dockerExecArgs('abc', ['psql', '-c', "select 'a; b'"], {
      interactive: true,
      env: { PGOPTIONS: '-c x=1' },
    });
    assert.deepEqual(args, [
      'exec',
      '-i',
      '-e',
      'PGOPTIONS=-c x=1',
      'abc',
      'psql',
      '-c',
      "select 'a; b'",
    ]);
    assert.ok(!args.includes('-t') && !args.includes('-it'));
  });

  it('wraps a streamed command in its own process group with the user words as positional arguments', () => {
    const argv = groupWrappedArgv('/tmp/p.pid', ['pg_dump', '$(touch /tmp/pwned)']);
    assert.deepEqual(argv.slice(0, 4), ['setsid', '-w', 'sh', '-c']);
    assert.equal(argv[5], '/tmp/p.pid');
    assert.deepEqual(argv.slice(6), ['pg_dump', '$(touch /tmp/pwned)']);
    assert.ok(!(argv[4] ?? '').includes('pwned'));
  });
});
