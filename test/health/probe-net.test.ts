/** tcp and http probes against servers on 127.0.0.1. */

import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { runProbe } from '../../src/health/probe';
import { freePort } from '../helpers/net';
import { healthConfig } from './helpers';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

t.test('tcp: a listening port passes and the connection is closed', async (t) => {
  let accepted = 0;
  let closedByProbe = false;
  const server = net.createServer((sock) => {
    accepted++;
    sock.on('close', () => (closedByProbe = true));
    sock.on('error', () => {});
  });
  const port = await listen(server);
  t.teardown(() => close(server));
  const r = await runProbe(healthConfig({ type: 'tcp', command: undefined, host: '127.0.0.1', port, timeout: 2 }));
  t.same([r.ok, r.output], [true, `connected to 127.0.0.1:${port}`]);
  await new Promise((res) => setTimeout(res, 50));
  t.equal(accepted, 1);
  t.ok(closedByProbe, 'the probe closed its connection');
});

t.test('tcp: a closed port fails', async (t) => {
  const port = await freePort();
  const r = await runProbe(healthConfig({ type: 'tcp', command: undefined, host: '127.0.0.1', port, timeout: 2 }));
  t.equal(r.ok, false);
  t.match(r.output, /ECONNREFUSED/);
});

t.test('http: status and body', async (t) => {
  let status = 200;
  let body = 'status: ok\n';
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (req.url === '/slow') return; // never answers
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(body);
  });
  const port = await listen(server);
  t.teardown(() => {
    server.closeAllConnections();
    return close(server);
  });
  const cfg = healthConfig({ type: 'http', command: undefined, url: `http://127.0.0.1:${port}/health`, timeout: 2 });

  let r = await runProbe(cfg);
  t.same([r.ok, r.output], [true, 'HTTP 200'], '200 as expected, no body pattern');

  r = await runProbe({ ...cfg, bodyMatch: '^status: ok$' });
  t.equal(r.ok, false, 'without the m flag ^...$ spans the whole body');
  r = await runProbe({ ...cfg, bodyMatch: 'status: (ok|degraded)' });
  t.same([r.ok, r.output], [true, 'HTTP 200, body matches /status: (ok|degraded)/']);

  body = 'status: draining\n';
  r = await runProbe({ ...cfg, bodyMatch: 'status: ok' });
  t.same([r.ok, r.output], [false, 'HTTP 200, body does not match /status: ok/'], 'body mismatch');

  status = 503;
  body = 'status: ok\n';
  r = await runProbe({ ...cfg, bodyMatch: 'status: ok' });
  t.same([r.ok, r.output], [false, 'HTTP 503, expected 200'], '503 fails even with a matching body');
  r = await runProbe({ ...cfg, expectStatus: 503 });
  t.same([r.ok, r.output], [true, 'HTTP 503'], 'the expected status may be any');

  r = await runProbe({ ...cfg, url: `http://127.0.0.1:${port}/slow`, timeout: 0.3 });
  t.same([r.ok, r.output], [false, 'timeout after 0.3s'], 'a server that does not answer times out');
  t.equal(requests, 7);
});

t.test('http: a large body is read only up to 64 KB', async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200);
    res.write('x'.repeat(70 * 1024));
    res.end('MARKER');
  });
  const port = await listen(server);
  t.teardown(() => close(server));
  const cfg = healthConfig({ type: 'http', command: undefined, url: `http://127.0.0.1:${port}/`, timeout: 2 });
  t.equal((await runProbe({ ...cfg, bodyMatch: '^x+' })).ok, true);
  const r = await runProbe({ ...cfg, bodyMatch: 'MARKER' });
  t.equal(r.ok, false, 'text past 64 KB is not matched');
});

t.test('http: refused connection and bad configuration', async (t) => {
  const port = await freePort();
  const base = healthConfig({ type: 'http', command: undefined, timeout: 2 });
  let r = await runProbe({ ...base, url: `http://127.0.0.1:${port}/` });
  t.equal(r.ok, false);
  t.match(r.output, /ECONNREFUSED/);
  r = await runProbe({ ...base, url: 'not a url' });
  t.same([r.ok, r.output], [false, 'bad url "not a url"']);
  r = await runProbe({ ...base, url: 'ftp://127.0.0.1/' });
  t.same([r.ok, r.output], [false, 'unsupported url scheme ftp:']);
  r = await runProbe({ ...base, url: `http://127.0.0.1:${port}/`, bodyMatch: '(' });
  t.equal(r.ok, false);
  t.match(r.output, /^bad body pattern/);
});
