import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startSimulator } from '../src/simulator/index.js';
import type { SimulatorHandle, SimulatorOptions } from '../src/simulator/index.js';

interface OutLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

function inputFile(ids: readonly string[], data: (id: string) => string = () => 'Jazz singer'): string {
  return ids
    .map((id) =>
      JSON.stringify({
        custom_id: id,
        method: 'POST',
        url: '/v1/responses',
        body: {
          model: 'gpt-6-luna',
          input: `Artist: Name ${id}\nArtist data: ${data(id)}`,
          metadata: { artist_id: id },
        },
      }),
    )
    .join('\n');
}

async function withSim(options: SimulatorOptions, body: (sim: SimulatorHandle, client: OpenAI) => Promise<void>) {
  const sim = await startSimulator(options);
  try {
    await body(sim, new OpenAI({ baseURL: sim.url, apiKey: 'sk-test', maxRetries: 0 }));
  } finally {
    await sim.close();
  }
}

async function upload(client: OpenAI, text: string): Promise<string> {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), 'in.jsonl'), purpose: 'batch' });
  return file.id;
}

async function lines(client: OpenAI, fileId: string | null | undefined): Promise<OutLine[]> {
  if (fileId === null || fileId === undefined) return [];
  const text = await (await client.files.content(fileId)).text();
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutLine);
}

const ids = (n: number, from = 1) => Array.from({ length: n }, (_, i) => String(from + i));

test('an uploaded file is retrievable, downloadable and deletable through the SDK', async () => {
  await withSim({}, async (_sim, client) => {
    const id = await upload(client, inputFile(['a']));
    const file = await client.files.retrieve(id);
    assert.equal(file.purpose, 'batch');
    assert.equal(file.object, 'file');
    assert.equal(file.bytes, Buffer.byteLength(inputFile(['a'])));
    assert.match(await (await client.files.content(id)).text(), /"custom_id":"a"/);
    const deleted = await client.files.delete(id);
    assert.equal(deleted.deleted, true);
    await assert.rejects(client.files.retrieve(id), (error: unknown) => error instanceof OpenAI.NotFoundError);
  });
});

test('a batch walks validating → in_progress → finalizing → completed with N lines answered per poll', async () => {
  await withSim({ batchLinesPerPoll: 4 }, async (sim, client) => {
    const fileId = await upload(client, inputFile(ids(10)));
    const created = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    assert.equal(created.status, 'validating');
    assert.equal(created.request_counts?.total, 10);
    const seen: string[] = [];
    const counts: number[] = [];
    let batch = created;
    while (batch.status !== 'completed') {
      batch = await client.batches.retrieve(created.id);
      seen.push(batch.status);
      counts.push(batch.request_counts?.completed ?? -1);
    }
    assert.deepEqual(seen, ['in_progress', 'in_progress', 'in_progress', 'finalizing', 'completed']);
    assert.deepEqual(counts, [0, 4, 8, 10, 10]);
    assert.equal(batch.error_file_id, null);
    const out = await lines(client, batch.output_file_id);
    assert.deepEqual(out.map((line) => line.custom_id).sort(), ids(10).sort());
    for (const line of out) {
      assert.equal(line.error, null);
      assert.equal(line.response?.status_code, 200);
      assert.match(line.response?.request_id ?? '', /^req_/);
      assert.match(line.id, /^batch_req_/);
      assert.equal(line.response?.body.object, 'response');
    }
    assert.ok((batch.usage?.input_tokens ?? 0) > 0);
    const stats = sim.stats().batch;
    assert.equal(stats?.batches.length, 1);
    assert.equal(stats?.submittedPerCustomId['7'], 1);
    assert.equal(stats?.startedPerInputFile[fileId], 1);
  });
});

test('an expiring batch keeps the lines it finished and lists the rest as batch_expired errors', async () => {
  await withSim({ batchExpireCount: 1, batchExpireShare: 0.5, batchLinesPerPoll: 100 }, async (_sim, client) => {
    const first = await client.batches.create({
      input_file_id: await upload(client, inputFile(ids(10))),
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    let batch = first;
    while (batch.status === 'validating' || batch.status === 'in_progress')
      batch = await client.batches.retrieve(first.id);
    assert.equal(batch.status, 'expired');
    assert.deepEqual(batch.request_counts, { total: 10, completed: 5, failed: 5 });
    const done = await lines(client, batch.output_file_id);
    const expired = await lines(client, batch.error_file_id);
    assert.equal(done.length, 5);
    assert.equal(expired.length, 5);
    assert.ok(expired.every((line) => line.response === null && line.error?.code === 'batch_expired'));
    const all = [...done, ...expired].map((line) => line.custom_id).sort();
    assert.deepEqual(all, ids(10).sort());

    // Only the first batch expires.
    const second = await client.batches.create({
      input_file_id: await upload(client, inputFile(ids(4, 50))),
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    for (let i = 0; i < 3; i++) batch = await client.batches.retrieve(second.id);
    assert.equal(batch.status, 'completed');
  });
});

test('per-line faults land in the error file with the response status; the next submission succeeds', async () => {
  await withSim({}, async (_sim, client) => {
    const text = inputFile(['ok', 'flaky', 'bad'], (id) =>
      id === 'flaky' ? 'FAIL500x1' : id === 'bad' ? 'FAIL400' : 'Pop',
    );
    const run = async () => {
      const created = await client.batches.create({
        input_file_id: await upload(client, text),
        endpoint: '/v1/responses',
        completion_window: '24h',
      });
      let batch = created;
      while (batch.status !== 'completed') batch = await client.batches.retrieve(created.id);
      return batch;
    };
    const batch = await run();
    assert.deepEqual(batch.request_counts, { total: 3, completed: 1, failed: 2 });
    const errors = await lines(client, batch.error_file_id);
    const byId = new Map(errors.map((line) => [line.custom_id, line]));
    assert.equal(byId.get('flaky')?.response?.status_code, 500);
    assert.equal(byId.get('bad')?.response?.status_code, 400);
    const again = await run();
    assert.deepEqual(again.request_counts, { total: 3, completed: 2, failed: 1 });
  });
});

test('a batch over the enqueued-token limit fails with token_limit_exceeded while another runs, then fits', async () => {
  await withSim({ batchQueueTokens: 150, batchLinesPerPoll: 1 }, async (sim, client) => {
    const make = async (from: number) =>
      client.batches.create({
        input_file_id: await upload(client, inputFile(ids(10, from))),
        endpoint: '/v1/responses',
        completion_window: '24h',
      });
    const a = await make(1);
    assert.equal((await client.batches.retrieve(a.id)).status, 'in_progress');
    const b = await make(100);
    const refused = await client.batches.retrieve(b.id);
    assert.equal(refused.status, 'failed');
    assert.equal(refused.errors?.data?.[0]?.code, 'token_limit_exceeded');
    let status = '';
    while (status !== 'completed') status = (await client.batches.retrieve(a.id)).status;
    const retry = await client.batches.create({
      input_file_id: refused.input_file_id,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    assert.equal((await client.batches.retrieve(retry.id)).status, 'in_progress');
    const stats = sim.stats().batch;
    assert.equal(stats?.tokenLimitRejections, 1);
    assert.equal(stats?.submittedPerCustomId['100'], 1);
  });
});

test('cancel stops a running batch; list shows newest first; bad creates are refused', async () => {
  await withSim({ batchLinesPerPoll: 2 }, async (_sim, client) => {
    const fileId = await upload(client, inputFile(ids(6)));
    const a = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    await client.batches.retrieve(a.id);
    await client.batches.retrieve(a.id);
    const cancelling = await client.batches.cancel(a.id);
    assert.equal(cancelling.status, 'cancelling');
    const cancelled = await client.batches.retrieve(a.id);
    assert.equal(cancelled.status, 'cancelled');
    assert.deepEqual(cancelled.request_counts, { total: 6, completed: 2, failed: 4 });
    const b = await client.batches.create({
      input_file_id: fileId,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    const list = await client.batches.list({ limit: 10 });
    assert.deepEqual(
      list.data.map((batch) => batch.id),
      [b.id, a.id],
    );
    await assert.rejects(
      client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/responses', completion_window: '24h' }),
      (error: unknown) => error instanceof OpenAI.NotFoundError,
    );
    await assert.rejects(
      client.batches.create({ input_file_id: fileId, endpoint: '/v1/responses', completion_window: '1h' as '24h' }),
      (error: unknown) => error instanceof OpenAI.BadRequestError,
    );
  });
});

test('flex requests echo service_tier and a share of them get the unbilled 429 resource_unavailable', async () => {
  await withSim({ flexUnavailableRate: 0.3, seed: 7, rpm: 100_000 }, async (sim, client) => {
    let refused = 0;
    let served = 0;
    for (let i = 0; i < 60; i++) {
      try {
        const response = await client.responses.create({
          model: 'gpt-6-luna',
          input: `Artist: F${i}`,
          service_tier: 'flex',
        });
        assert.equal(response.service_tier, 'flex');
        served++;
      } catch (error) {
        assert.ok(error instanceof OpenAI.RateLimitError);
        assert.equal((error.error as { code?: string }).code, 'resource_unavailable');
        refused++;
      }
    }
    assert.ok(refused > 5 && refused < 35, `refused ${refused}`);
    const standard = await client.responses.create({ model: 'gpt-6-luna', input: 'Artist: S' });
    assert.equal(standard.service_tier, 'default');
    const stats = sim.stats();
    assert.equal(stats.flex?.resourceUnavailable, refused);
    assert.equal(stats.flex?.requestsByTier['flex'], 60);
    assert.equal(served + refused, 60);
  });
});
