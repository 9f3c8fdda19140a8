import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { notifyDrill } from '../../source/webhooks/notify-drill.ts';

describe('drill webhooks', () => {
  let server: Server;
  let base: string;
  const received: Array<{ url: string; body: Record<string, unknown> }> = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({ url: request.url ?? '', body: JSON.parse(body) });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs drill.success to drill.webhooks.success, never to the backup URLs', async () => {
    const settings = {
      webhooks: { success: `${base}/backup-dead-mans-switch` },
      drill: { webhooks: { success: `${base}/drill`, failure: `${base}/drill/fail` } },
    };
    const sent = await notifyDrill(settings, 'success', {
      dump: 'ovena-db-backup.sql.gz',
      loadSeconds: 1.5,
      instances: 3,
    });
    assert.deepEqual(sent, { sent: true, status: 200, ok: true, target: base });
    await notifyDrill(settings, 'failure', { dump: 'bad.sql.gz', error: 'does not load' });
    assert.deepEqual(
      received.map((entry) => [entry.url, entry.body.event]),
      [
        ['/drill', 'drill.success'],
        ['/drill/fail', 'drill.failure'],
      ],
    );
    assert.equal(received[0]?.body.instances, 3);
    // No drill webhook configured: nothing is sent, not even to the backup's URL.
    assert.deepEqual(await notifyDrill({ ...settings, drill: { webhooks: {} } }, 'success'), {
      sent: false,
      reason: 'not-configured',
    });
    assert.equal(received.length, 2);
  });
});
