import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseComposeText } from '../../source/cifs/compose-file.ts';
import {
  decodeValue,
  encodeValue,
  formatMountOptions,
  parseMountOptions,
  withOption,
} from '../../source/cifs/mount-options.ts';
import { planShareEdit, sharesInFile, validateChanges } from '../../source/cifs/shares.ts';

const template = readFileSync(new URL('../fixtures/cifs/01-template.yml', import.meta.url), 'utf8');

/** Write the password into the template's images share, read the file again, return what it holds. */
function roundTrip(password: string, text = template): string | undefined {
  const parsed = parseComposeText(text, 'f.yml');
  const edit = planShareEdit(parsed, 'f.yml', 'images', { password });
  const reread = sharesInFile(parseComposeText(edit.text, 'f.yml'), 'f.yml');
  return reread.find((share) => share.volume === 'images')?.password;
}

describe('mount option string', () => {
  it('keeps order, flags and unknown options byte for byte', () => {
    const text = 'addr=n,username=u,password=a,,b,vers=3.0,nobrl,cache=none,actimeo=0,x-opt=1';
    const options = parseMountOptions(text);
    assert.deepEqual(
      options.map((option) => option.key),
      ['addr', 'username', 'password', 'vers', 'nobrl', 'cache', 'actimeo', 'x-opt'],
    );
    assert.equal(options[2]?.value, 'a,b');
    assert.equal(options[4]?.value, undefined);
    assert.equal(formatMountOptions(options), text);
  });

  it('escapes a comma as ,, and $ as $$, and reads them back', () => {
    assert.equal(encodeValue('a,b$c'), 'a,,b$$c');
    assert.equal(decodeValue('a,,b$$c'), 'a,b$c');
    for (const value of [',', ',,', 'a,', ',a', '$', '$$', '$,', ',$', 'a,,,b']) {
      const text = formatMountOptions(
        withOption(parseMountOptions('addr=x,vers=3'), ['password'], value, ['addr']),
      );
      const back = parseMountOptions(text);
      assert.equal(back.find((option) => option.key === 'password')?.value, value, text);
      assert.equal(back.at(-1)?.raw, 'vers=3', text);
    }
  });

  it('changes an option in place and adds a missing one after its neighbour', () => {
    const options = parseMountOptions('addr=n,username=u,password=p,vers=3.0,uid=0');
    const withDomain = withOption(options, ['domain'], 'HOSP', ['password']);
    assert.equal(
      formatMountOptions(withDomain),
      'addr=n,username=u,password=p,domain=HOSP,vers=3.0,uid=0',
    );
    assert.equal(
      formatMountOptions(withOption(withDomain, ['domain'], undefined)),
      'addr=n,username=u,password=p,vers=3.0,uid=0',
    );
  });
});

describe('passwords survive write-then-read through the compose file', () => {
  it('every printable ASCII character, alone and inside a password', () => {
    for (let code = 0x20; code < 0x7f; code++) {
      const char = String.fromCharCode(code);
      for (const password of [char, `a${char}b`, `${char}${char}x`, `x${char}`]) {
        assert.equal(roundTrip(password), password, JSON.stringify(password));
      }
    }
  });

  it('600 random passwords of printable ASCII (with commas and dollars likely)', () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet =
      Array.from({ length: 95 }, (_, index) => String.fromCharCode(0x20 + index)).join('') +
      ',,,$$$\'"#:';
    for (let run = 0; run < 600; run++) {
      const length = 1 + Math.floor(random() * 40);
      let password = '';
      for (let index = 0; index < length; index++)
        password += alphabet[Math.floor(random() * alphabet.length)];
      assert.equal(roundTrip(password), password, JSON.stringify(password));
    }
  });

  it('also through plain and single-quoted o values', () => {
    const plain = template.replace(/o: "(addr=nas\.example\.org[^"]*)"/, 'o: $1');
    const single = template.replace(/o: "(addr=nas\.example\.org[^"]*)"/, "o: '$1'");
    assert.notEqual(plain, template);
    for (const text of [plain, single])
      for (const password of ['simple', "it's", 'a: b', 'x #y', ' lead', 'trail ', '"q"', 'a,b$c'])
        assert.equal(
          roundTrip(password, text),
          password,
          `${password} in ${text.includes("o: '") ? 'single' : 'plain'}`,
        );
  });
});

describe('values that would break the mount options are refused, naming the field', () => {
  const cases: Array<[Parameters<typeof validateChanges>[0], RegExp]> = [
    [{ server: 'nas one' }, /server/],
    [{ server: 'nas/one' }, /server/],
    [{ server: '' }, /server/],
    [{ share: '' }, /share/],
    [{ share: '//' }, /share/],
    [{ username: 'a,b' }, /username/],
    [{ password: 'a\nb' }, /password/],
    [{ password: 'a\0b' }, /password/],
    [{ domain: 'x\r' }, /domain/],
    [{ username: 'u\n' }, /username/],
  ];
  for (const [changes, field] of cases) {
    it(JSON.stringify(changes), () => {
      assert.throws(
        () => validateChanges(changes),
        (error: Error & { exitCode?: number }) =>
          field.test(error.message) && error.exitCode === 64,
      );
    });
  }
});
