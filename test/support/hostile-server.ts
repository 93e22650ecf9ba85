import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * Servers that break the OpenAI protocol the way real networks and proxies do: they stall after
 * the headers, drip the body a byte at a time, echo the caller's key in an error, send huge or
 * mislabelled bodies, or vanish and come back. Each request gets a behaviour chosen by the test.
 */

/** What the server does with one request. */
export type Behaviour =
  | { kind: 'ok'; text?: string; contentType?: string; omit?: ('id' | 'created_at' | 'model')[]; delayMs?: number }
  | { kind: 'stall-after-headers' }
  | { kind: 'held'; until: Promise<void> }
  | { kind: 'drip'; intervalMs: number; text?: string }
  | { kind: 'error'; status: number; code?: string; type?: string; message: string }
  | { kind: 'huge'; bytes: number }
  | { kind: 'raw'; status: number; contentType: string; body: string };

/** One request seen by the server. */
export interface SeenRequest {
  index: number;
  authorization: string | undefined;
  body: { input?: unknown; metadata?: Record<string, string> } | undefined;
}

/** Handle of a running hostile server. */
export interface HostileServer {
  /** Base URL to pass as OPENAI_BASE_URL, ending in `/v1`. */
  url: string;
  port: number;
  requests: SeenRequest[];
  /** Stops listening and destroys every open connection (a crash, from the client's view). */
  kill(): Promise<void>;
  /** Listens again on the same port with the same behaviour. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** A complete Responses API success body. */
export function successBody(text: string, omit: readonly string[] = []): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const body: Record<string, unknown> = {
    id: `resp_${Math.random().toString(16).slice(2).padEnd(16, '0')}`,
    object: 'response',
    created_at: now,
    status: 'completed',
    error: null,
    incomplete_details: null,
    model: 'gpt-4o-mini',
    output: [
      {
        id: 'msg_1',
        type: 'message',
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text, annotations: [] }],
      },
    ],
    usage: { input_tokens: 20, output_tokens: 60, total_tokens: 80 },
  };
  return Object.fromEntries(Object.entries(body).filter(([key]) => !omit.includes(key)));
}

const BIO = 'A working musician whose records moved from small clubs to large halls over two decades.';

function behave(res: ServerResponse, b: Behaviour): void {
  switch (b.kind) {
    case 'ok': {
      const payload = JSON.stringify(successBody(b.text ?? BIO, b.omit));
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': b.contentType ?? 'application/json', 'x-request-id': 'req_hostile' });
        res.end(payload);
      };
      if (b.delayMs === undefined) send();
      else setTimeout(send, b.delayMs);
      return;
    }
    case 'held':
      void b.until.then(() => behave(res, { kind: 'ok' }));
      return;
    case 'stall-after-headers':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      return; // never ends; kill() or the client closes it
    case 'drip': {
      const payload = Buffer.from(JSON.stringify(successBody(b.text ?? BIO)));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed || at >= payload.length) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        res.write(payload.subarray(at, at + 1));
        at += 1;
      }, b.intervalMs);
      res.on('close', () => clearInterval(timer));
      return;
    }
    case 'error':
      res.writeHead(b.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: b.message, type: b.type ?? 'invalid_request_error', code: b.code ?? null },
        }),
      );
      return;
    case 'huge': {
      const text = 'x'.repeat(b.bytes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(successBody(text)));
      return;
    }
    case 'raw':
      res.writeHead(b.status, { 'content-type': b.contentType });
      res.end(b.body);
      return;
  }
}

/**
 * Starts a hostile server on port 0 (or `port`). `choose` picks the behaviour of the n-th
 * request (0-based) from the request itself.
 */
export async function startHostileServer(
  choose: (request: SeenRequest) => Behaviour,
  port = 0,
): Promise<HostileServer> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: SeenRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SeenRequest['body'];
      } catch {
        body = undefined;
      }
      const seen: SeenRequest = { index: requests.length, authorization: req.headers.authorization, body };
      requests.push(seen);
      behave(res, choose(seen));
    });
  };
  let server: Server = createServer(handler);
  const listen = async (p: number): Promise<number> => {
    server = createServer(handler);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  };
  const actualPort = await listen(port);
  const kill = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${actualPort}/v1`,
    port: actualPort,
    requests,
    kill,
    restart: async () => {
      await listen(actualPort);
    },
    close: kill,
  };
}

/** A base URL on which nothing listens (a port that was just freed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}
