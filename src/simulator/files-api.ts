/**
 * The Files API as the Batch API uses it: multipart upload (`purpose=batch`), retrieve, list,
 * `/content` download and delete. Files live in memory for the simulator's lifetime.
 * The object shapes follow OpenAI's `file` object; see docs/batch.md.
 */
import type { IncomingMessage } from 'node:http';
import { errorBody, invalidValueBody, missingParameterBody } from './error-bodies.js';
import type { ApiErrorBody } from './error-bodies.js';
import { newId } from './response-bodies.js';

/** Largest upload accepted, in bytes (OpenAI's per-file limit). */
export const MAX_UPLOAD_BYTES = 512 * 1024 * 1024;

/** Purposes the simulator accepts on upload. */
const UPLOAD_PURPOSES = new Set(['batch', 'user_data', 'assistants', 'fine-tune', 'vision', 'evals']);

/** One stored file. */
export interface StoredFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: string;
  readonly bytes: number;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly content: Buffer;
}

/** OpenAI's `file` object for a stored file. */
export function fileObject(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: null,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** 404 for an unknown file id. */
export function noSuchFileBody(id: string): ApiErrorBody {
  return errorBody(`No such File object: ${id}`, 'invalid_request_error', null, 'id');
}

/** The in-memory file store. */
export class FileStore {
  #files = new Map<string, StoredFile>();

  /** Stores `content` and returns the new file. */
  add(filename: string, purpose: string, content: Buffer, createdAt: number): StoredFile {
    const file: StoredFile = {
      id: newId('file-', 22),
      filename,
      purpose,
      bytes: content.length,
      createdAt,
      content,
    };
    this.#files.set(file.id, file);
    return file;
  }

  /** The file with `id`, if stored. */
  get(id: string): StoredFile | undefined {
    return this.#files.get(id);
  }

  /** Removes the file; false when there was none. */
  delete(id: string): boolean {
    return this.#files.delete(id);
  }

  /** Every stored file, oldest first. */
  list(): StoredFile[] {
    return [...this.#files.values()];
  }

  /** Forgets every file. */
  clear(): void {
    this.#files.clear();
  }
}

/** Reads a whole request body up to `limit` bytes; undefined when it is larger. */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

/** Result of {@link parseUpload}. */
export type ParsedUpload =
  { ok: true; filename: string; purpose: string; content: Buffer } | { ok: false; body: ApiErrorBody };

/**
 * Parses a `multipart/form-data` upload with a `file` part and a `purpose` field, using the
 * platform's own form-data parser.
 */
export async function parseUpload(contentType: string | undefined, raw: Buffer): Promise<ParsedUpload> {
  if (contentType === undefined || !contentType.toLowerCase().startsWith('multipart/form-data')) {
    return {
      ok: false,
      body: invalidValueBody('content-type', `expected multipart/form-data, got ${contentType ?? 'none'}.`),
    };
  }
  let form: FormData;
  try {
    const request = new Request('http://simulator.local/v1/files', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    });
    // The platform parser buffers the whole form: fine for a local stand-in, and no extra dependency.
    // eslint-disable-next-line @typescript-eslint/no-deprecated
    form = await request.formData();
  } catch {
    return { ok: false, body: invalidValueBody('body', 'the multipart form could not be parsed.') };
  }
  const purpose = form.get('purpose');
  if (typeof purpose !== 'string' || purpose === '') return { ok: false, body: missingParameterBody('purpose') };
  if (!UPLOAD_PURPOSES.has(purpose)) {
    return { ok: false, body: invalidValueBody('purpose', `'${purpose}' is not one of the supported purposes.`) };
  }
  const file = form.get('file');
  if (file === null || typeof file === 'string') return { ok: false, body: missingParameterBody('file') };
  const content = Buffer.from(await file.arrayBuffer());
  return { ok: true, filename: file.name === '' ? 'upload.jsonl' : file.name, purpose, content };
}
