/** Domain types shared by every layer. */

/** One artist row of the input CSV. */
export interface Artist {
  /** Opaque non-empty id, kept as written (trimmed). */
  id: string;
  /** Artist name, trimmed, non-empty. */
  name: string;
  /** Free-text data column; undefined when empty. */
  data: string | undefined;
  /** 1-based physical line number where the row starts. */
  line: number;
}

/** Token usage of one response. */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Input tokens served from the prompt cache (part of `input_tokens`), when the provider says. */
  cached_input_tokens?: number;
}

/** What the output records about the request that produced a bio (docs/architecture.md#output-files). */
export interface RequestRecord {
  prompt_id?: string;
  version?: string;
  model?: string;
  variables: { artist_name: string; artist_data: string };
}

/**
 * Response headers as the tool reads them: a case-insensitive lookup by name, `null` when absent.
 * A WHATWG `Headers` is one; the run's HTTP path builds a lighter one, because the first
 * `Headers` a process creates loads Node's whole fetch stack (about 45 ms of CPU).
 */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** A successful model answer, already validated (status completed, non-empty text). */
export interface ProviderSuccess {
  /** Bio text with trailing citation blocks stripped. */
  text: string;
  responseId: string;
  /** Unix seconds. */
  created: number;
  model: string;
  usage: TokenUsage;
  headers: ResponseHeaders;
  requestId: string | undefined;
  /** Time of the HTTP exchange in ms. */
  durationMs: number;
  /** The `service_tier` the response says it was processed at (`default`, `flex`, …), when it says. */
  serviceTier?: string | undefined;
  /** Pages the answer cites (web search); empty when it cites none. */
  sources?: BioSource[] | undefined;
}

/** A web page a grounded bio cites (a `url_citation` annotation of the answer). */
export interface BioSource {
  url: string;
  title: string;
}

/** `db_status` values of an output record. */
export type DbStatus = 'pending' | 'updated' | 'inserted' | 'skipped' | 'error';

/** One line of the output JSONL (docs/architecture.md#output-files). */
export interface OutputRecord {
  artist_id: string;
  artist_name: string;
  artist_data?: string;
  request: RequestRecord;
  response_text: string;
  response_id: string;
  created: number;
  model: string;
  usage: TokenUsage;
  /**
   * Dollars billed for `usage` at the run's price table (docs/costs.md); null when the model has
   * no known price; absent when the run does not price requests.
   */
  cost_usd?: number | null;
  attempts: number;
  duration_ms: number;
  /** null when no database is enabled for the run. */
  db_status: DbStatus | null;
  error: null;
  /** How the bio was produced, outside standard mode (docs/flex.md, docs/batch.md). */
  mode?: 'flex' | 'batch';
  /** Processing tier the response reports, outside standard mode (`flex`, `default`). */
  service_tier?: string;
  /** The Batch API batch that produced the bio (batch mode). */
  batch_id?: string;
  /** Pages the bio is based on (grounded runs: the answer's `url_citation` annotations). */
  sources?: BioSource[];
  /**
   * Hash of the template text, model and request parameters that wrote the bio; `--redo-stale`
   * regenerates lines whose fingerprint differs from the current one (README.md#what-happens-to-each-answer).
   */
  prompt_fingerprint?: string;
}

/** One line of `<stem>.errors.jsonl`. */
export interface ErrorRecord {
  artist_id: string;
  artist_name: string;
  artist_data?: string;
  error_class: string;
  error_kind: string;
  status: number | null;
  code: string | null;
  message: string;
  request_id: string | null;
  /**
   * Why the answer was not usable when the provider said (`max_output_tokens`, `content_filter`,
   * a `failed` response's error code), else the failure kind.
   */
  reason?: string;
  attempts: number;
  time: string;
}
