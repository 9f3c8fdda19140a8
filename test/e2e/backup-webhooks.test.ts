import assert from 'node:assert/strict';
import { stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createInstance, ovena, type Stack, startStack } from '../helpers/stack.ts';

describe('backup webhooks on the real stack', () => {
  let stack: Stack;
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
        received.push({
          url: request.url ?? '',
          body: JSON.parse(body) as Record<string, unknown>,
        });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    stack = await startStack('bk-hook', 56300);
    await createInstance(stack.orthancUrl, 'HOOK1');
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await stack?.down();
  });

  const settingsFile = () => path.join(stack.env.OVENA_CONFIG_DIR ?? '', 'ovena.yml');

  it('calls start and success, with no secret in the body', async () => {
    await writeFile(
      settingsFile(),
      `webhooks:\n  start: ${base}/start\n  success: ${base}/ok\n  failure: ${base}/fail\n`,
    );
    received.length = 0;
    const result = await ovena(['backup', '--file=hook.sql'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(received.map((entry) => entry.url).sort(), ['/ok', '/start']);
    const success = received.find((entry) => entry.url === '/ok')?.body;
    assert.equal(success?.event, 'backup.success');
    // Every event names the dump as published, never a path (the state file keeps the path).
    assert.deepEqual(
      received.map((entry) => entry.body.file),
      ['hook.sql.gz', 'hook.sql.gz'],
    );
    assert.equal(typeof success?.sizeBytes, 'number');
    assert.doesNotMatch(JSON.stringify(received), /change-me-db-password/);
    assert.match(result.stdout, /webhook success: http:\/\/127\.0\.0\.1:\d+ answered HTTP 200/);
  });

  it('calls failure when the database is down', async () => {
    received.length = 0;
    assert.equal((await ovena(['stop'], { env: stack.env })).code, 0);
    try {
      const result = await ovena(['backup', '--file=hook.sql'], { env: stack.env });
      assert.notEqual(result.code, 0);
      assert.deepEqual(received.map((entry) => entry.url).sort(), ['/fail', '/start']);
      assert.equal(received.find((entry) => entry.url === '/fail')?.body.event, 'backup.failure');
      assert.deepEqual(
        received.map((entry) => entry.body.file),
        ['hook.sql.gz', 'hook.sql.gz'],
      );
    } finally {
      assert.equal((await ovena(['start'], { env: stack.env })).code, 0);
    }
  });

  it('backs up all the same when the webhook refuses connections', async () => {
    // A port nobody listens on: bind, read the port, close.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    await writeFile(
      settingsFile(),
      `webhooks:\n  start: http://127.0.0.1:${deadPort}/s\n  success: http://127.0.0.1:${deadPort}/ok\n`,
    );
    const result = await ovena(['backup', '--file=refused.sql'], { env: stack.env });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /webhook success: http:\/\/127\.0\.0\.1:\d+ not reached .*; the backup goes on/,
    );
    assert.ok((await stat(path.join(stack.backupDir, 'refused.sql.gz'))).size > 0);
  });
});
