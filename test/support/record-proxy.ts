import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request seen by the proxy. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A recording HTTP proxy in front of an OpenAI-compatible server: forwards every request
 * unchanged and keeps the parsed JSON bodies, so tests can assert what the tool sent.
 */
export async function startRecordingProxy(
  targetBaseUrl: string,
): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const target = new URL(targetBaseUrl);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown = undefined;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = raw.toString('utf8');
      }
      const path = (req.url ?? '/').replace(/^\/v1/, '');
      requests.push({ method: req.method ?? 'GET', path, body });
      const upstream = httpRequest(
        {
          hostname: target.hostname,
          port: target.port,
          method: req.method,
          path: `${target.pathname.replace(/\/$/, '')}${path}`,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      upstream.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
