import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { publishedDumpName } from '../../source/dumps/dump-name.ts';
import { mayFollowRedirect } from '../../source/http/http-request.ts';
import { describeNotify, notifyBackup } from '../../source/webhooks/notify-backup.ts';

type Received = { method: string; url: string; type: string; body: Record<string, unknown> };

describe('backup webhooks', () => {
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let hang = false;

  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          type: request.headers['content-type'] ?? '',
          body: JSON.parse(body) as Record<string, unknown>,
        });
        if (hang) return; // never answers: the caller's timeout must end it
        response.statusCode = request.url === '/broken' ? 500 : 200;
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

  it('POSTs start, success and failure as JSON to their URLs', async () => {
    const settings = {
      webhooks: {
        start: `${base}/ping/abc/start`,
        success: `${base}/ping/abc`,
        failure: `${base}/ping/abc/fail`,
      },
    };
    const at = Date.parse('2025-01-10T03:00:00Z');
    const start = await notifyBackup(
      settings,
      'start',
      { file: 'ovena-db-backup.sql' },
      { now: () => at },
    );
    assert.deepEqual(start, { sent: true, status: 200, ok: true, target: base });
    await notifyBackup(settings, 'success', {
      file: 'ovena-db-backup.sql',
      sizeBytes: 1234,
      durationMs: 5000,
    });
    await notifyBackup(settings, 'failure', {
      file: 'ovena-db-backup.sql',
      error: 'mount failed: password=Sup3rS3cret,vers=3.0',
    });
    assert.deepEqual(
      received.map((entry) => [entry.method, entry.url, entry.type, entry.body.event]),
      [
        ['POST', '/ping/abc/start', 'application/json', 'backup.start'],
        ['POST', '/ping/abc', 'application/json', 'backup.success'],
        ['POST', '/ping/abc/fail', 'application/json', 'backup.failure'],
      ],
    );
    assert.equal(received[0]?.body.at, '2025-01-10T03:00:00.000Z');
    assert.equal(typeof received[0]?.body.host, 'string');
    assert.deepEqual(Object.keys(received[1]?.body ?? {}).sort(), [
      'at',
      'durationMs',
      'event',
      'file',
      'host',
      'sizeBytes',
    ]);
    assert.equal(received[1]?.body.sizeBytes, 1234);
    const failure = JSON.stringify(received[2]?.body);
    assert.ok(!failure.includes('Sup3rS3cret'), 'no password in a webhook');
    assert.match(failure, /password=••••/);
  });

  it('sends the dump as a file name, never a path', async () => {
    const before = received.length;
    await notifyBackup({ webhooks: { success: `${base}/named` } }, 'success', {
      file: '/mnt/backup/x.sql.gz',
    });
    assert.equal(received.slice(before)[0]?.body.file, 'x.sql.gz');
    assert.equal(publishedDumpName('x.sql'), 'x.sql.gz');
  });

  it('follows a redirect within the origin, never to another origin', async () => {
    const elsewhere: string[] = [];
    const other = createServer((request, response) => {
      elsewhere.push(request.url ?? '');
      request.resume();
      response.end('ok');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const redirecting = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const to = request.url === '/same' ? '/landed' : `${otherBase}/stolen`;
        if (request.url === '/landed') {
          response.end('ok');
          return;
        }
        response.writeHead(307, { location: to }).end();
      });
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const redirectBase = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const same = await notifyBackup({ webhooks: { start: `${redirectBase}/same` } }, 'start', {
        file: 'x.sql.gz',
      });
      assert.deepEqual(same, { sent: true, status: 200, ok: true, target: redirectBase });
      const away = await notifyBackup({ webhooks: { start: `${redirectBase}/away` } }, 'start', {
        file: 'x.sql.gz',
      });
      assert.deepEqual(away, { sent: true, status: 307, ok: false, target: redirectBase });
      assert.deepEqual(elsewhere, [], 'nothing was sent to the other origin');
    } finally {
      redirecting.closeAllConnections();
      other.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('a redirect may change neither scheme, host nor port', () => {
    const from = new URL('https://hc.example.org/ping/abc');
    assert.ok(mayFollowRedirect(from, new URL('https://hc.example.org/ping/abc/')));
    assert.ok(!mayFollowRedirect(from, new URL('http://hc.example.org/ping/abc')));
    assert.ok(!mayFollowRedirect(from, new URL('https://evil.example.org/ping/abc')));
    assert.ok(!mayFollowRedirect(from, new URL('https://hc.example.org:8443/ping/abc')));
    assert.ok(!mayFollowRedirect(new URL('http://mon/x'), new URL('https://mon/x')));
  });

  it('does nothing when the event has no URL', async () => {
    const before = received.length;
    assert.deepEqual(await notifyBackup({ webhooks: {} }, 'success', {}), {
      sent: false,
      reason: 'not-configured',
    });
    assert.equal(received.length, before);
  });

  it('a URL that refuses connections resolves (never throws) with the reason', async () => {
    // Bind then close a port so nothing listens on it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = await notifyBackup(
      { webhooks: { failure: `http://127.0.0.1:${port}/token-xyz` } },
      'failure',
      { error: 'x' },
    );
    assert.equal(result.sent, false);
    assert.ok(!result.sent && result.reason === 'error');
    assert.match(result.error, /ECONNREFUSED/);
    const line = describeNotify('failure', result) ?? '';
    assert.match(
      line,
      /^webhook failure: http:\/\/127\.0\.0\.1:\d+ not reached \(.*ECONNREFUSED.*\); the backup goes on$/,
    );
    assert.ok(!line.includes('token-xyz'), 'the URL path (often a token) is not logged');
  });

  it('an HTTP error or a hanging server does not fail the caller; the timeout bounds the wait', async () => {
    const error = await notifyBackup({ webhooks: { success: `${base}/broken` } }, 'success', {});
    assert.deepEqual(error, { sent: true, status: 500, ok: false, target: base });
    assert.match(describeNotify('success', error) ?? '', /answered HTTP 500 \(ignored\)/);
    hang = true;
    try {
      const started = Date.now();
      const result = await notifyBackup(
        { webhooks: { start: `${base}/hang` } },
        'start',
        {},
        { timeoutMs: 300 },
      );
      const took = Date.now() - started;
      assert.ok(
        !result.sent && result.reason === 'error' && result.error === 'timed out',
        JSON.stringify(result),
      );
      assert.ok(took < 2000, `bounded by the timeout, took ${took} ms`);
    } finally {
      hang = false;
    }
  });
});
