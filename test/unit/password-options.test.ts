import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isPasswordKey,
  isSecretVariable,
  maskPasswordOptions,
  passwordOptionValues,
  secretSpellings,
} from '../../source/secrets/password-options.ts';

describe('what a password-bearing option looks like (secrets/password-options)', () => {
  it('a mount option key naming a password', () => {
    for (const key of ['password', 'pass', 'password2', 'PASSWORD', 'smb-pass'])
      assert.ok(isPasswordKey(key), key);
    for (const key of ['username', 'user', 'addr', 'vers', 'domain'])
      assert.ok(!isPasswordKey(key));
  });

  it('an environment variable naming a password or secret', () => {
    for (const name of ['POSTGRES_PASSWORD', 'db_password', 'API_SECRET'])
      assert.ok(isSecretVariable(name));
    for (const name of ['POSTGRES_USER', 'PGDATA']) assert.ok(!isSecretVariable(name));
  });

  it('password values of an option string run to the next single comma (",," is escaped)', () => {
    const text = 'addr=nas,username=u,password=a,,b c"d,password2=x$y,vers=3.0';
    assert.deepEqual(passwordOptionValues(text), ['a,,b c"d', 'x$y']);
    assert.equal(
      maskPasswordOptions(text, '**'),
      'addr=nas,username=u,password=**,password2=**,vers=3.0',
    );
    assert.deepEqual(passwordOptionValues('pass=first'), ['first']);
    assert.deepEqual(passwordOptionValues('addr=nas,vers=3.0'), []);
  });

  it('spellings of a password as compose files and messages quote it, longest first', () => {
    const spellings = secretSpellings(['a,b$c', undefined, '']);
    assert.deepEqual(new Set(spellings), new Set(['a,b$c', 'a,b$$c', 'a,,b$$c']));
    assert.deepEqual(
      spellings,
      [...spellings].sort((a, b) => b.length - a.length),
    );
    assert.ok(secretSpellings(['q"x']).includes('q\\"x'), 'as inside a double-quoted string');
  });
});
