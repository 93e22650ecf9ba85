import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardPage } from './page.js';

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  /** Port; 0 picks a free one. */
  port: number;
  /** Interface to listen on. The page shows bios and spend, so loopback only by default. @default '127.0.0.1' */
  host?: string;
  /** The state to send, as JSON-serialisable data. */
  state: () => unknown;
  /** Milliseconds between pushes to each open page. @default 500 */
  intervalMs?: number;
}

/** A running dashboard server. */
export interface DashboardServer {
  url: string;
  /** Sends the latest state to every open page now (e.g. the final state before closing). */
  push(): void;
  /** Stops listening and ends every open stream. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard: `GET /` is one self-contained page (no CDN), `GET /events` a stream of
 * server-sent events carrying the state, `GET /state` the state once as JSON.
 */
export async function startDashboardServer(o: DashboardServerOptions): Promise<DashboardServer> {
  const clients = new Set<ServerResponse>();
  const send = (res: ServerResponse): void => void res.write(`data: ${JSON.stringify(o.state())}\n\n`);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(dashboardPage());
    } else if (path === '/state') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(o.state()));
    } else if (path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      clients.add(res);
      req.on('close', () => clients.delete(res));
      send(res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    }
  });
  const timer = setInterval(() => {
    for (const res of clients) send(res);
  }, o.intervalMs ?? 500);
  timer.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed = false;
  return {
    url: `http://${host}:${address.port}/`,
    push() {
      for (const res of clients) send(res);
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
