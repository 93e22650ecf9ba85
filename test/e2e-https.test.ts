/**
 * Runs of the real CLI against an `https://` base URL: a local TLS server with a test-only
 * certificate for 127.0.0.1 (test/fixtures/tls, valid until 2126; its key protects nothing else).
 * The machine does not trust it unless the run is given it through NODE_EXTRA_CA_CERTS, as a
 * user behind a company CA would (docs/hostile-servers.md#unreachable-api).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { artists, runCli, tempDir, writeCsv } from './support/cli.js';
import { successBody } from './support/hostile-server.js';
import { readState } from './support/plan.js';

const CERT = fileURLToPath(new URL('./fixtures/tls/localhost-cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('./fixtures/tls/localhost-key.pem', import.meta.url));

interface TlsServer {
  url: string;
  /** HTTP requests that arrived (after a completed handshake). */
  requests: () => number;
  /** TLS connections that completed a handshake. */
  connections: () => number;
  close: () => Promise<void>;
}

async function startTlsServer(): Promise<TlsServer> {
  let requests = 0;
  let connections = 0;
  const server: Server = createServer({ cert: await readFile(CERT), key: await readFile(KEY) }, (req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(successBody('A bio sent over TLS, long enough to count as one.')));
    });
  });
  server.on('secureConnection', () => connections++);
  // A client that refuses the certificate makes the server log a handshake error: expected here.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests: () => requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function lineCount(path: string): Promise<number> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '').length;
}

test('with the server CA trusted through NODE_EXTRA_CA_CERTS, a run writes every bio over a few kept-alive TLS connections', async () => {
  const server = await startTlsServer();
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(20));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '2'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url, NODE_EXTRA_CA_CERTS: CERT },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await lineCount(output), 20);
    assert.equal(server.requests(), 20);
    assert.ok(server.connections() <= 10, `20 requests over ${server.connections()} TLS connections`);
  } finally {
    await server.close();
  }
});

test('an untrusted server certificate stops the run with exit 3, names the fix, and counts no request', async () => {
  const server = await startTlsServer();
  try {
    const dir = await tempDir();
    const input = await writeCsv(dir, 'a.csv', artists(10));
    const output = join(dir, 'out.jsonl');
    const r = await runCli(['--input', input, '--output', output, '--max-workers', '2'], {
      env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url },
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /TLS certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.match(r.stderr, /NODE_EXTRA_CA_CERTS/);
    assert.equal(server.requests(), 0, 'no request got past the handshake');
    assert.equal(await lineCount(output), 0);
    assert.equal(await lineCount(join(dir, 'out.errors.jsonl')), 0, 'no artist written off as failed');
    assert.equal((await readState(`${output}.state.json`)).requestsToday, 0, 'the reservations were given back');
  } finally {
    await server.close();
  }
});
