import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseComposeText } from '../../source/cifs/compose-file.ts';
import {
  planDriverOptEdit,
  planShareEdit,
  sharesInFile,
  summarize,
} from '../../source/cifs/shares.ts';

const folder = new URL('../fixtures/cifs/', import.meta.url);
const fixtures = readdirSync(folder)
  .filter((name) => name.endsWith('.yml'))
  .sort();

function changedLines(
  before: string,
  after: string,
): Array<[string | undefined, string | undefined]> {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(a.length, b.length, 'an edit of one-line values keeps the line count');
  return a.flatMap((line, index) => (line === b[index] ? [] : [[line, b[index]]]));
}

describe('golden compose files shaped like real installations', () => {
  it('has at least five', () => assert.ok(fixtures.length >= 5));

  for (const name of fixtures) {
    const text = readFileSync(new URL(name, folder), 'utf8');

    it(`${name}: finds the CIFS shares and round-trips an unchanged file byte for byte`, () => {
      const parsed = parseComposeText(text, name);
      const shares = sharesInFile(parsed, name);
      assert.ok(shares.length >= 2, 'two CIFS shares');
      for (const share of shares) {
        const noChange = planShareEdit(parsed, name, share.volume, {});
        assert.equal(noChange.text, text);
        const same = planShareEdit(parsed, name, share.volume, {
          server: share.server,
          username: share.username ?? 'u',
        });
        if (share.username !== undefined) assert.equal(same.text, text);
      }
    });

    it(`${name}: an edit changes only the edited values`, () => {
      const parsed = parseComposeText(text, name);
      const [first] = sharesInFile(parsed, name);
      assert.ok(first);
      const edit = planShareEdit(parsed, name, first.volume, {
        username: 'svc-new',
        password: 'N3w,Pa$$ "quoted" #x',
      });
      const after = sharesInFile(parseComposeText(edit.text, name), name);
      const edited = after.find((share) => share.volume === first.volume);
      assert.equal(edited?.username, 'svc-new');
      assert.equal(edited?.password, 'N3w,Pa$$ "quoted" #x');
      assert.equal(edited?.server, first.server);
      assert.equal(edited?.share, first.share);
      // Other options keep their order and spelling.
      assert.deepEqual(summarize(edited as never).otherOptions, summarize(first).otherOptions);
      // Only lines holding the `o` value changed, and each only after "o:" (key, indentation,
      // anchors and comments on the line are kept).
      if (!/o: >-/.test(text.split('\n').find((line) => line.includes('o: >-')) ?? '')) {
        const lines = changedLines(text, edit.text);
        assert.equal(lines.length, 1, JSON.stringify(lines));
        const [old, fresh] = lines[0] ?? [];
        const prefix = /^(\s*o:\s*(&\S+\s+)?)/.exec(old ?? '')?.[1] ?? 'none';
        assert.ok(fresh?.startsWith(prefix), `${fresh} keeps "${prefix}"`);
        const comment = / #[^"']*$/.exec(old ?? '')?.[0];
        if (comment) assert.ok(fresh?.endsWith(comment));
      }
      // The other shares read the same, except those sharing the value through an anchor.
      const before = sharesInFile(parsed, name);
      for (const share of after) {
        if (edit.affectedVolumes.includes(share.volume)) continue;
        assert.deepEqual(
          share,
          before.find((entry) => entry.volume === share.volume),
        );
      }
    });
  }

  it('05: a value shared through an anchor reports both volumes as affected', () => {
    const text = readFileSync(new URL('05-shared-anchor.yml', folder), 'utf8');
    const edit = planShareEdit(parseComposeText(text, 'f'), 'f', 'orthanc-storage', {
      password: 'x',
    });
    assert.deepEqual(edit.affectedVolumes.sort(), ['orthanc-storage', 'pg-dumps']);
    assert.match(
      edit.text,
      /o: &creds "addr=nas\.example\.org,username=CHANGE-ME,password=x,vers=3\.0"/,
    );
    assert.match(edit.text, /o: \*creds\n/);
  });

  it('04: a folded block scalar is replaced by a quoted one and the rest is untouched', () => {
    const text = readFileSync(new URL('04-merge-keys.yml', folder), 'utf8');
    const edit = planShareEdit(parseComposeText(text, 'f'), 'f', 'images', { vers: '3.1.1' });
    assert.equal(
      edit.text,
      text.replace(
        '>-\n        addr=nas-02,username=orthanc,password=first,vers=3.0,uid=0,gid=0\n',
        '"addr=nas-02,username=orthanc,password=first,vers=3.1.1,uid=0,gid=0"\n',
      ),
    );
  });

  it('02: server and share change device and addr, keeping the subfolder spelling', () => {
    const text = readFileSync(new URL('02-anchors.yml', folder), 'utf8');
    const edit = planShareEdit(parseComposeText(text, 'f'), 'f', 'dicom', { server: 'fs02.lan' });
    const lines = changedLines(text, edit.text);
    assert.deepEqual(lines, [
      [
        '      device: //fs01.hospital.local/PACS/orthanc   # subfolder of the share',
        '      device: //fs02.lan/PACS/orthanc   # subfolder of the share',
      ],
      [
        '      o: addr=fs01.hospital.local,username=svc_pacs,password=Old$$Secret,,1,domain=HOSP,vers=3.1.1,uid=0,gid=0,file_mode=0660,dir_mode=0770,nobrl',
        '      o: addr=fs02.lan,username=svc_pacs,password=Old$$Secret,,1,domain=HOSP,vers=3.1.1,uid=0,gid=0,file_mode=0660,dir_mode=0770,nobrl',
      ],
    ]);
    const dicom = sharesInFile(parseComposeText(text, 'f'), 'f').find(
      (share) => share.volume === 'dicom',
    );
    assert.equal(dicom?.password, 'Old$Secret,1');
  });

  it('03: editing the share keeps the NAS_HOST reference in the device', () => {
    const text = readFileSync(new URL('03-interpolation.yml', folder), 'utf8');
    const edit = planShareEdit(parseComposeText(text, 'f'), 'f', 'images', { share: 'vna' });
    assert.deepEqual(changedLines(text, edit.text), [
      [
        `      device: "//$\{NAS_HOST:-nas.example.org}/orthanc-images"`,
        `      device: "//$\{NAS_HOST:-nas.example.org}/vna"`,
      ],
    ]);
    const flow = planShareEdit(parseComposeText(text, 'f'), 'f', 'backup', { password: 'a,b' });
    assert.match(flow.text, /o: "addr=10\.0\.4\.20,username=backup,password=a,,b,vers=2\.1"\}/);
  });

  it('a non-CIFS driver_opts value is edited by the same splice', () => {
    const text =
      'volumes:\n  scratch:\n    driver_opts:\n      type: none  # bind\n      o: bind\n      device: /srv/a\n';
    assert.equal(
      planDriverOptEdit(parseComposeText(text, 'f'), 'f', 'scratch', 'device', '/srv/b'),
      text.replace('/srv/a', '/srv/b'),
    );
  });
});
