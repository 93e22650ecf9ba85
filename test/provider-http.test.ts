import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { systemClock } from '../src/core/clock.js';
import { ProviderError, ShutdownError } from '../src/core/errors.js';
import { createRequestBuilder, parseTemplate } from '../src/prompt/index.js';
import { createHttpExchange } from '../src/provider/http-exchange.js';
import { createOpenAIProvider } from '../src/provider/index.js';
import { closedPortUrl, successBody } from './support/hostile-server.js';

// A real server on port 0 whose answer each test picks by the artist name in the request body.
interface Seen {
  path: string | undefined;
  headers: IncomingHttpHeaders;
  connection: number;
}
const seen: Seen[] = [];
let connections = 0;
const server = createServer((req, res) => {
  const connection = (req.socket as { id?: number }).id ?? 0;
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    seen.push({ path: req.url, headers: req.headers, connection });
    answer(Buffer.concat(chunks).toString('utf8'), res);
  });
});
server.on('connection', (socket) => Object.assign(socket, { id: ++connections }));

function answer(body: string, res: ServerResponse): void {
  const json = (status: number, value: unknown, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type, 'x-request-id': 'req_test', 'x-ratelimit-limit-requests': '500' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };
  if (body.includes('REDIRECT')) {
    res.writeHead(307, { location: 'https://elsewhere.example/v1/responses' });
    res.end();
  } else if (body.includes('PLAIN503')) json(503, 'upstream connect error', 'text/plain');
  else if (body.includes('NOMESSAGE')) json(429, { detail: 'slow' });
  else if (body.includes('QUOTA'))
    json(429, {
      error: { message: 'You exceeded your quota', type: 'insufficient_quota', code: 'insufficient_quota' },
    });
  else if (body.includes('CUTOFF')) {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
    res.write('{"id":"resp_1",');
    setTimeout(() => res.socket?.destroy(), 20);
  } else if (body.includes('LABELLED')) json(200, successBody('A labelled bio of some length.'), 'text/plain');
  else if (body.includes('ARRAY')) json(200, '[1,2]');
  else json(200, successBody('A bio written for the test, long enough to count.'));
}

let url = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const builder = createRequestBuilder(
  { kind: 'template', template: parseTemplate('Artist name: {{artist_name}}', 't') },
  'responses',
);
const request = (name: string) => builder.build({ id: name, name, data: undefined, line: 1 });

async function failure(name: string, baseURL = url): Promise<ProviderError> {
  const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL, clock: systemClock });
  try {
    await provider.generate(request(name), { timeoutMs: 5000 });
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${name} did not fail`);
}

test('a call posts to the base URL path with the key, organization and project headers, and reads the headers back', async () => {
  seen.length = 0;
  const provider = createOpenAIProvider({
    apiKey: 'sk-test',
    baseURL: `${url}/`,
    organization: 'org-abc',
    project: 'proj_xyz',
    clock: systemClock,
  });
  const result = await provider.generate(request('Nina Simone'), { timeoutMs: 5000 });
  assert.match(result.text, /bio written for the test/);
  assert.equal(result.requestId, 'req_test');
  assert.equal(result.headers.get('x-ratelimit-limit-requests'), '500');
  const [first] = seen;
  assert.equal(first?.path, '/v1/responses');
  assert.equal(first?.headers.authorization, 'Bearer sk-test');
  assert.equal(first?.headers['openai-organization'], 'org-abc');
  assert.equal(first?.headers['openai-project'], 'proj_xyz');
  assert.equal(first?.headers['content-type'], 'application/json');
});

test('twenty calls one after another reuse a single keep-alive connection', async () => {
  seen.length = 0;
  const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: url, clock: systemClock });
  for (let i = 0; i < 20; i++) await provider.generate(request(`Artist ${i}`), { timeoutMs: 5000 });
  assert.equal(seen.length, 20);
  assert.equal(new Set(seen.map((s) => s.connection)).size, 1);
});

test('a redirect is not followed and its message names the location', async () => {
  seen.length = 0;
  const error = await failure('REDIRECT');
  assert.equal(error.kind, 'bad_request');
  assert.equal(error.status, 307);
  assert.match(error.message, /redirect to https:\/\/elsewhere\.example\/v1\/responses, not followed/);
  assert.equal(seen.length, 1);
});

test('error bodies are read as OpenAI words them: JSON error, plain text, or a status alone', async () => {
  const quota = await failure('QUOTA');
  assert.equal(quota.kind, 'quota');
  assert.equal(quota.apiCode, 'insufficient_quota');
  assert.equal(quota.message, '429 You exceeded your quota');
  assert.equal(quota.requestId, 'req_test');
  const plain = await failure('PLAIN503');
  assert.equal(plain.kind, 'server');
  assert.equal(plain.message, '503 upstream connect error');
  const bare = await failure('NOMESSAGE');
  assert.equal(bare.kind, 'rate_limit');
  assert.equal(bare.message, '429 status code (no body)');
});

test('a 200 is read as JSON by its content; a JSON array is malformed', async () => {
  const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: url, clock: systemClock });
  const labelled = await provider.generate(request('LABELLED'), { timeoutMs: 5000 });
  assert.equal(labelled.text, 'A labelled bio of some length.');
  const array = await failure('ARRAY');
  assert.equal(array.kind, 'malformed');
});

test('a connection cut in the middle of the body is a network error that reached the server', async () => {
  const error = await failure('CUTOFF');
  assert.equal(error.kind, 'network');
  assert.equal(error.reachedServer, true);
});

test('a refused connection is a network error that never reached the server, with its socket code as cause', async () => {
  const error = await failure('Anyone', await closedPortUrl());
  assert.equal(error.kind, 'network');
  assert.equal(error.reachedServer, false);
  assert.match(error.message, /ECONNREFUSED/);
  assert.equal((error.cause as { code?: unknown }).code, 'ECONNREFUSED');
});

test('a call whose signal is already aborted is a shutdown and sends nothing', async () => {
  seen.length = 0;
  const provider = createOpenAIProvider({ apiKey: 'sk-test', baseURL: url, clock: systemClock });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    provider.generate(request('Nobody'), { timeoutMs: 5000, signal: controller.signal }),
    ShutdownError,
  );
  assert.equal(seen.length, 0);
});

test('a body over the size cap is refused as too_large while it arrives', async () => {
  const exchange = createHttpExchange({ baseURL: url, headers: {}, maxBytes: 100 });
  try {
    await assert.rejects(exchange.post('/responses', '{}', { timeoutMs: 5000 }), (error: unknown) => {
      assert.ok(error instanceof ProviderError);
      assert.equal(error.kind, 'too_large');
      assert.match(error.message, /larger than 100 bytes \(HTTP 200\)/);
      return true;
    });
  } finally {
    exchange.close();
  }
});

test('a base URL that is not http or https is refused when the provider is made', () => {
  assert.throws(
    () => createOpenAIProvider({ apiKey: 'sk-test', baseURL: 'ftp://example.test/v1', clock: systemClock }),
    /must be http:\/\/ or https:\/\//,
  );
});
