import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../src/core/errors.js';
import { acquireOutputLock } from '../src/output/index.js';

const dir = () => mkdtemp(join(tmpdir(), 'output-lock-'));

test('the lock file names the holder and is removed on release', async () => {
  const lockPath = join(await dir(), 'o.jsonl.lock');
  const lock = acquireOutputLock(lockPath, 'o.jsonl');
  const info = JSON.parse(await readFile(lockPath, 'utf8')) as { pid: number; host: string };
  assert.equal(info.pid, process.pid);
  assert.equal(info.host, hostname());
  lock.release();
  lock.release();
  assert.equal(existsSync(lockPath), false);
});

test('a lock held by another live process refuses a second run with a usage error', async () => {
  const lockPath = join(await dir(), 'o.jsonl.lock');
  // The parent of this test process is alive for the whole test.
  await writeFile(lockPath, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'earlier' }));
  assert.throws(
    () => acquireOutputLock(lockPath, 'o.jsonl'),
    (e: unknown) => e instanceof UsageError && new RegExp(`pid ${process.ppid}`).test(e.message),
  );
  assert.ok(existsSync(lockPath), 'the other run keeps its lock');
});

test('a stale lock left by a dead process is taken over, and the caller is told', async () => {
  const lockPath = join(await dir(), 'o.jsonl.lock');
  await writeFile(lockPath, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: 'long ago' }));
  const notes: string[] = [];
  const lock = acquireOutputLock(lockPath, 'o.jsonl', (m) => notes.push(m));
  assert.equal(notes.length, 1);
  assert.equal((JSON.parse(await readFile(lockPath, 'utf8')) as { pid: number }).pid, process.pid);
  lock.release();
});

test('a garbage lock file is treated as stale', async () => {
  const lockPath = join(await dir(), 'o.jsonl.lock');
  await writeFile(lockPath, '{"pid":');
  const lock = acquireOutputLock(lockPath, 'o.jsonl', () => undefined);
  lock.release();
});
