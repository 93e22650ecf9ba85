import type { Artist } from '../core/types.js';
import type { PreparedRequest, RequestBuilder } from '../prompt/index.js';

// Chat-format framing the API adds around each message and the reply, in tokens (a small,
// generous allowance: the estimate must not fall below the bill).
const PER_MESSAGE = 4;
const PER_REPLY = 3;

/**
 * Input tokens of a request as the model will count them, or undefined when the text is not
 * local (a stored prompt lives on the server).
 */
export function requestInputTokens(request: PreparedRequest, count: (text: string) => number): number | undefined {
  if (request.api === 'chat') {
    let total = PER_REPLY;
    for (const message of request.body.messages) total += PER_MESSAGE + count(message.content);
    return total;
  }
  const { body } = request;
  if (body.prompt !== undefined) return undefined;
  const parts = [body.instructions, body.input].filter((p): p is string => typeof p === 'string');
  return PER_REPLY + parts.reduce((sum, part) => sum + PER_MESSAGE + count(part), 0);
}

/** `max_output_tokens` (or `max_completion_tokens`) of a request; undefined when it sets none. */
export function requestOutputCap(request: PreparedRequest): number | undefined {
  return request.api === 'chat' ? request.body.max_completion_tokens : request.body.max_output_tokens;
}

/** A request builder that also knows the largest input of every request it built so far. */
export interface MeasuringBuilder extends RequestBuilder {
  /** Largest input token count of the requests built so far (0 before the first). */
  readonly maxInputTokens: number;
  /**
   * Largest output cap of the requests built or raised so far: the base cap until an answer cut
   * off at it is retried with a larger one. What a cost reservation must cover.
   */
  readonly maxReservedOutputTokens: number | undefined;
  /** True once a request without local text (a stored prompt) was built. */
  readonly unmeasurable: boolean;
}

/**
 * Wraps `builder` to count each built request's input tokens and to note raised output caps.
 * Requests are built (or raised) before they ask for admission, so at any admission the maxima
 * cover the request being admitted: a safe worst case to reserve for it.
 */
export function measuringBuilder(builder: RequestBuilder, count: (text: string) => number): MeasuringBuilder {
  let max = 0;
  let unmeasurable = false;
  let raisedCap: number | undefined;
  return {
    get maxOutputTokens() {
      return builder.maxOutputTokens;
    },
    get label() {
      return builder.label;
    },
    get fingerprint() {
      return builder.fingerprint;
    },
    get notices() {
      return builder.notices;
    },
    raiseOutputCap(request: PreparedRequest) {
      // The raised request is built before it asks for admission, like any other: from here on
      // every reservation covers the larger cap (docs/costs.md#dollar-limits).
      const raised = builder.raiseOutputCap(request);
      const cap = raised === undefined ? undefined : requestOutputCap(raised);
      if (cap !== undefined && cap > (raisedCap ?? 0)) raisedCap = cap;
      return raised;
    },
    get maxReservedOutputTokens() {
      const base = builder.maxOutputTokens;
      if (raisedCap === undefined) return base;
      return base === undefined ? raisedCap : Math.max(base, raisedCap);
    },
    get maxInputTokens() {
      return max;
    },
    get unmeasurable() {
      return unmeasurable;
    },
    build(artist: Artist) {
      const request = builder.build(artist);
      const tokens = requestInputTokens(request, count);
      if (tokens === undefined) unmeasurable = true;
      else if (tokens > max) max = tokens;
      return request;
    },
  };
}
