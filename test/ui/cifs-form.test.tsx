import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { cleanup, render } from 'ink-testing-library';
import { parseComposeText } from '../../source/cifs/compose-file.ts';
import { sharesInFile } from '../../source/cifs/shares.ts';
import { type FormResult, ShareForm, typedPasswordMask } from '../../source/ui/cifs/share-form.tsx';
import { waitFor } from '../helpers/wait-for.ts';

const text = readFileSync(new URL('../fixtures/cifs/01-template.yml', import.meta.url), 'utf8');
const [share] = sharesInFile(parseComposeText(text, 'f.yml'), 'f.yml');
const tick = () => new Promise((resolve) => setTimeout(resolve, 30));
const down = '\u001B[B';
const tab = '\t';

async function typeText(stdin: { write(data: string): void }, value: string) {
  for (const char of value) {
    stdin.write(char);
    await tick();
  }
}

describe('CIFS share form', () => {
  afterEach(() => cleanup());

  it('masks the password as it is typed and saves only the changed fields', async () => {
    assert.ok(share);
    let result: FormResult | undefined;
    const { stdin, lastFrame } = render(
      <ShareForm share={share} position="share 1 of 2" onDone={(value) => (result = value)} />,
    );
    await tick();
    assert.match(lastFrame() ?? '', /CIFS share "images" \(share 1 of 2\)/);
    // Server: clear and type a new one.
    for (let index = 0; index < 'nas.example.org'.length; index++) {
      stdin.write('\u007F');
      await tick();
    }
    await typeText(stdin, 'nas1');
    stdin.write(tab); // share
    await tick();
    stdin.write(down); // username
    await tick();
    stdin.write(down); // password
    await tick();
    await typeText(stdin, 'Secr,et');
    await waitFor(() => (lastFrame() ?? '').includes(typedPasswordMask), 2000, 'masked password');
    const frame = lastFrame() ?? '';
    assert.ok(!frame.includes('Secr'), frame);
    assert.match(frame, /o: addr=nas1,username=CHANGE-ME,password=••••,vers=3\.0/);
    assert.match(frame, /device: \/\/nas1\/orthanc-images/);
    stdin.write(down); // domain
    await tick();
    stdin.write(down); // vers
    await tick();
    stdin.write(down); // Save
    await tick();
    stdin.write('\r');
    await waitFor(() => result !== undefined, 2000, 'save');
    assert.deepEqual(result, { action: 'save', changes: { server: 'nas1', password: 'Secr,et' } });
  });

  it('shows the same fixed mask for a typed password of any length', async () => {
    assert.ok(share);
    const { stdin, lastFrame } = render(<ShareForm share={share} onDone={() => {}} />);
    await tick();
    for (let index = 0; index < 3; index++) {
      stdin.write(down); // share, username, password
      await tick();
    }
    const passwordLine = () =>
      (lastFrame() ?? '').split('\n').find((line) => line.includes('Password')) ?? '';
    assert.match(passwordLine(), /› Password/);
    const shown: string[] = [];
    for (const char of 'Secret-password-1') {
      stdin.write(char);
      await tick();
      shown.push(passwordLine());
    }
    assert.equal(new Set(shown).size, 1, shown.join('\n'));
    assert.equal(shown[0], `› Password   ${typedPasswordMask}▏`);
    assert.ok(!(lastFrame() ?? '').includes('Secret'));
  });

  it('refuses a bad value on Save, naming the field, and stays in the form', async () => {
    assert.ok(share);
    let result: FormResult | undefined;
    const { stdin, lastFrame } = render(
      <ShareForm share={share} onDone={(value) => (result = value)} />,
    );
    await tick();
    await typeText(stdin, ' x');
    for (let index = 0; index < 6; index++) {
      stdin.write(down);
      await tick();
    }
    stdin.write('\r');
    await waitFor(
      () => /the server must not contain a space/.test(lastFrame() ?? ''),
      2000,
      'error',
    );
    assert.equal(result, undefined);
  });

  it('Cancel and Escape give up without changes', async () => {
    assert.ok(share);
    for (const keys of [[down, down, down, down, down, down, down, '\r'], ['\u001B']]) {
      let result: FormResult | undefined;
      const { stdin } = render(<ShareForm share={share} onDone={(value) => (result = value)} />);
      await tick();
      await typeText(stdin, 'zzz');
      for (const key of keys) {
        stdin.write(key);
        await tick();
      }
      await waitFor(() => result !== undefined, 2000, 'cancel');
      assert.deepEqual(result, { action: 'cancel' });
      cleanup();
    }
  });
});
