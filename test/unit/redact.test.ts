import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mask, redactSecrets } from '../../source/secrets/redact.ts';

describe('redactSecrets', () => {
  it('masks CIFS passwords, including escaped commas', () => {
    const text = 'o: addr=nas,username=u,password=s3,,cret!,vers=3.0';
    const result = redactSecrets(text);
    assert.ok(!result.includes('s3'));
    assert.ok(!result.includes('cret'));
    assert.ok(result.includes(`password=${mask}`));
    assert.ok(result.includes('vers=3.0'));
  });

  it('masks password variables and URL credentials', () => {
    const result = redactSecrets('POSTGRES_PASSWORD: hunter22 and http://admin:pw123@host/x');
    assert.ok(!result.includes('hunter22'));
    assert.ok(!result.includes('pw123'));
  });

  it('masks known secrets anywhere', () => {
    assert.equal(redactSecrets('oops Tr0ub4dor leaked', ['Tr0ub4dor']), `oops ${mask} leaked`);
  });

  it('leaves ordinary text alone', () => {
    assert.equal(redactSecrets('service "db" is not running'), 'service "db" is not running');
  });
});
