import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, test } from 'node:test';
import { systemClock } from '../src/core/clock.js';
import { ProviderError, ShutdownError } from '../src/core/errors.js';
import { createRequestBuilder, parseTemplate } from '../src/prompt/index.js';
import { createOpenAIProvider } from '../src/provider/index.js';
import { startSimulator, type SimulatorHandle } from '../src/simulator/index.js';

let sim: SimulatorHandle;
before(async () => {
  sim = await startSimulator({ apiKeys: ['sk-ok'], seed: 4 });
});
after(() => sim.close());

const builder = createRequestBuilder(
  { kind: 'template', template: parseTemplate('Artist name: {{artist_name}}', 't') },
  'responses',
);
const request = (name: string) => builder.build({ id: name, name, data: undefined, line: 1 });
const provider = () => createOpenAIProvider({ apiKey: 'sk-ok', baseURL: sim.url, clock: systemClock });

async function failure(name: string, timeoutMs = 5000, apiKey = 'sk-ok'): Promise<ProviderError> {
  const p = createOpenAIProvider({ apiKey, baseURL: sim.url, clock: systemClock });
  try {
    await p.generate(request(name), { timeoutMs });
  } catch (error) {
    assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${name} did not fail`);
}

test('a completed response yields text, usage, ids and the rate-limit headers', async () => {
  const result = await provider().generate(request('Nina Simone'), { timeoutMs: 5000 });
  assert.match(result.text, /Nina Simone/);
  assert.ok(result.text.length > 50);
  assert.match(result.responseId, /^resp_/);
  assert.ok(result.usage.total_tokens > 0);
  assert.equal(result.usage.total_tokens, result.usage.input_tokens + result.usage.output_tokens);
  assert.match(result.requestId ?? '', /^req_/);
});

test('every failure is classified into the kind the retry policy acts on', async () => {
  const cases: [string, string, number | undefined][] = [
    ['A FAIL500x1', 'server', 500],
    ['B FAIL503x1', 'overloaded', 503],
    ['C FAIL429x1', 'rate_limit', 429],
    ['D QUOTA', 'quota', 429],
    ['E FAIL400', 'bad_request', 400],
    ['F TOOLARGE', 'too_large', 429],
    ['G MALFORMEDx1', 'malformed', undefined],
    ['H INCOMPLETEx1', 'incomplete', 200],
    ['I EMPTYx1', 'incomplete', 200],
  ];
  for (const [name, kind, status] of cases) {
    const error = await failure(name);
    assert.equal(error.kind, kind, name);
    if (status !== undefined) assert.equal(error.status, status, name);
  }
  const limited = await failure('J FAIL429x1');
  assert.equal(limited.apiCode, 'rate_limit_exceeded');
  assert.equal(limited.headers?.get('retry-after'), '1');
  const auth = await failure('K', 5000, 'sk-wrong');
  assert.equal(auth.kind, 'auth');
  assert.equal(auth.status, 401);
});

test('a request without an answer times out as kind timeout', async () => {
  const error = await failure('L TIMEOUTx1', 300);
  assert.equal(error.kind, 'timeout');
});

test('an aborted request is a shutdown, and no abort listener is left on the caller signal', async () => {
  const controller = new AbortController();
  const p = provider();
  for (let i = 0; i < 20; i++) await p.generate(request(`Artist ${i}`), { timeoutMs: 5000, signal: controller.signal });
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  const pending = p.generate(request('M TIMEOUTx1'), { timeoutMs: 60_000, signal: controller.signal });
  setTimeout(() => controller.abort(new ShutdownError()), 50);
  await assert.rejects(pending, ShutdownError);
});
