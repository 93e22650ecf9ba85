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

/** A request builder that also knows the largest input of every request it built so far. */
export interface MeasuringBuilder extends RequestBuilder {
  /** Largest input token count of the requests built so far (0 before the first). */
  readonly maxInputTokens: number;
  /** True once a request without local text (a stored prompt) was built. */
  readonly unmeasurable: boolean;
}

/**
 * Wraps `builder` to count each built request's input tokens. Requests are built before they
 * ask for admission, so at any admission the maximum covers the request being admitted: a safe
 * worst case to reserve for it.
 */
export function measuringBuilder(builder: RequestBuilder, count: (text: string) => number): MeasuringBuilder {
  let max = 0;
  let unmeasurable = false;
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
      return builder.raiseOutputCap(request);
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
