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
    const { firstLine } = await import('../../source/compose/tool-errors.ts');
    const text =
      'Configuration for volume images specifies o addr=nas,username=u,password=new pass"x,vers=3.0, but a volume with the same name uses a different o (addr=nas,username=u,password=old secret,vers=3.0). If you wish to use the new configuration, please remove the existing volume "p_images" first:\n$ docker volume rm p_images';
    const line = firstLine(text);
    assert.ok(!line.includes('new pass'), line);
    assert.ok(!line.includes('old secret'), line);
    assert.match(line, /volume "images" changed .* run "ovena cifs apply images"/);
  });

  it('joins "invalid because:" with its reason', async () => {
    const { firstLine } = await import('../../source/compose/tool-errors.ts');
    assert.equal(
      firstLine(
        "The Compose file './a.yml' is invalid because:\nservices.db.ports contains an invalid type",
      ),
      "The Compose file './a.yml' is invalid because: services.db.ports contains an invalid type",
    );
  });
});

describe('known secrets from the compose configuration', () => {
  it('are masked whatever characters they hold, where patterns alone would leak', async () => {
    const { modelFromConfig, secretsOf } = await import('../../source/compose/model.ts');
    const { registerSecrets } = await import('../../source/secrets/redact.ts');
    const model = modelFromConfig({
      services: { db: { environment: { POSTGRES_PASSWORD: "db pass'word" } } },
      volumes: {
        images: {
          driver_opts: {
            type: 'cifs',
            o: 'addr=nas,username=u,password=p@ss wo,,rd,password2=n3xt one,vers=3.0',
          },
        },
      },
    });
    const secrets = secretsOf(model);
    assert.ok(secrets.includes("db pass'word"));
    assert.ok(secrets.includes('p@ss wo,rd'), secrets.join('|'));
    assert.ok(secrets.includes('p@ss wo,,rd'));
    assert.ok(secrets.includes('n3xt one'));
    const leaky =
      "error: data: addr=nas,password=p@ss wo,,rd: permission denied; psql: db pass'word; rotation n3xt one";
    // Without registration the patterns stop at the space and leak the rest.
    assert.match(redactSecrets(leaky), /wo,,rd/);
    registerSecrets(secrets);
    const result = redactSecrets(leaky);
    for (const fragment of ['p@ss', 'wo,,rd', "pass'word", 'n3xt'])
      assert.ok(!result.includes(fragment), result);
  });

  it('masks any mount option naming a password', () => {
    assert.equal(
      redactSecrets('o=addr=x,password2=abc,vers=3'),
      `o=addr=x,password2=${mask},vers=3`,
    );
  });
});

describe('cifs previews', () => {
  it('mask every password option, password2 included', async () => {
    const { maskOptionText } = await import('../../source/cifs/show-shares.ts');
    const masked = maskOptionText('addr=nas,password=a,,b,password2=c,vers=3.0');
    assert.equal(masked, `addr=nas,password=${mask},password2=${mask},vers=3.0`);
  });
});
