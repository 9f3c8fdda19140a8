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

describe('compose error lines', () => {
  it('never passes on compose v1 volume-change errors, which quote both passwords', async () => {
    const { firstLine } = await import('../../source/compose/compose.ts');
    const text =
      'Configuration for volume images specifies o addr=nas,username=u,password=new pass"x,vers=3.0, but a volume with the same name uses a different o (addr=nas,username=u,password=old secret,vers=3.0). If you wish to use the new configuration, please remove the existing volume "p_images" first:\n$ docker volume rm p_images';
    const line = firstLine(text);
    assert.ok(!line.includes('new pass'), line);
    assert.ok(!line.includes('old secret'), line);
    assert.match(line, /volume "images" changed .* run "ovena cifs apply images"/);
  });

  it('joins "invalid because:" with its reason', async () => {
    const { firstLine } = await import('../../source/compose/compose.ts');
    assert.equal(
      firstLine(
        "The Compose file './a.yml' is invalid because:\nservices.db.ports contains an invalid type",
      ),
      "The Compose file './a.yml' is invalid because: services.db.ports contains an invalid type",
    );
  });
});
