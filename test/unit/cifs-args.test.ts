import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../source/cli/main.ts';

function capture(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => {
    text += String(chunk);
  });
  return { stream, text: () => text };
}

describe('ovena cifs set with a stray word', () => {
  it('refuses with exit 64 and never echoes the word (it is most likely a password)', async () => {
    const stdout = capture();
    const stderr = capture();
    const code = await main(
      ['cifs', 'set', 'images', 'Hunt3r-Pass'],
      { OVENA_COMPOSE_FILE: '/nonexistent.yml' },
      {
        stdin: new PassThrough(),
        stdout: stdout.stream,
        stderr: stderr.stream,
      },
    );
    assert.equal(code, 64);
    assert.match(
      stderr.text(),
      /the password is read only from standard input \(--password-stdin\)/,
    );
    assert.ok(!(stdout.text() + stderr.text()).includes('Hunt3r-Pass'));
  });
});
