import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from '../../source/cli/parse-args.ts';
import { UsageError } from '../../source/errors.ts';

describe('parseArgs', () => {
  it('accepts options before the command, as the original script did', () => {
    assert.deepEqual(parseArgs(['--file=x.sql', 'status']), {
      command: 'status',
      args: [],
      options: { file: 'x.sql' },
    });
  });

  it('accepts options after the command and separate values', () => {
    assert.deepEqual(parseArgs(['status', '--file', 'x.sql', '--json']), {
      command: 'status',
      args: [],
      options: { file: 'x.sql', json: true },
    });
  });

  it('keeps words after the command', () => {
    assert.deepEqual(parseArgs(['help', 'start']).args, ['start']);
  });

  it('reads the compose file option and short flags', () => {
    const parsed = parseArgs(['-y', '--compose-file=/a.yml:/b.yml', 'stop']);
    assert.equal(parsed.options.yes, true);
    assert.equal(parsed.options['compose-file'], '/a.yml:/b.yml');
  });

  const bad: Array<[string[], RegExp]> = [
    [['bogus'], /unknown command "bogus"/],
    [['--bogus', 'status'], /unknown option --bogus/],
    [['-x'], /unknown option -x/],
    [['--json=1', 'status'], /takes no value/],
    [['--file'], /needs a value/],
    [['--file', '--json'], /needs a value/],
    [['--file=a.sql', '--file=b.sql', 'status'], /given twice/],
    [['status', '--server=x'], /not valid for "status"/],
  ];
  for (const [argv, message] of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(
        () => parseArgs(argv),
        (error: unknown) =>
          error instanceof UsageError && message.test(error.message) && error.exitCode === 64,
      );
    });
  }

  it('treats everything after -- as words', () => {
    assert.deepEqual(parseArgs(['help', '--', '--json']).args, ['--json']);
  });
});

describe('option specs', () => {
  it('name every option once (a second spec of the same name would never be found)', async () => {
    const { optionSpecs } = await import('../../source/cli/options.ts');
    const names = optionSpecs.map((spec) => spec.name);
    assert.deepEqual(
      names.filter((name, index) => names.indexOf(name) !== index),
      [],
    );
  });
});
