/**
 * The life of one `/v1/responses` or `/v1/chat/completions` request: validation, quota,
 * rate limits, scripted and random faults, latency, the answer, and settling the token charge.
 */
import { composeAnswer } from './compose.js';
import type { AnswerFault } from './compose.js';
import type { Exchange, SimContext } from './context.js';
import { sendError, sendPayload } from './context.js';
import {
  insufficientQuotaBody,
  invalidValueBody,
  overloadedBody,
  rateLimitBody,
  retryAfterHeaders,
  serverErrorBody,
  tooLargeBody,
  unparsableBody,
} from './error-bodies.js';
import { resourceUnavailableBody } from './flex.js';
import { parseFaultScript, pickRandomFault, scriptedFaultAt } from './faults.js';
import type { Admission } from './limiter.js';
import { checkModelParameters } from './models.js';
import { parseGenerationRequest } from './request-info.js';
import type { Endpoint, GenerationRequest } from './request-info.js';
import { chatCompletionObject, responseObject } from './response-bodies.js';

/** Output cap assumed for the up-front token charge when the request sets none (OpenAI-like). */
export const DEFAULT_OUTPUT_RESERVATION = 1024;

/** Answers one generation request whose raw body has been read. */
export async function handleGeneration(
  ctx: SimContext,
  exchange: Exchange,
  endpoint: Endpoint,
  rawBody: string,
): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    sendError(ctx, exchange, 400, unparsableBody());
    return;
  }
  const parsed = parseGenerationRequest(endpoint, json, ctx.options.model);
  // Rejected requests still count toward the request window, as at OpenAI.
  if (!parsed.ok) {
    ctx.limiter.chargeRequest();
    sendError(ctx, exchange, 400, parsed.body);
    return;
  }
  const request = parsed.request;
  const refused = checkModelParameters(request);
  if (refused !== undefined) {
    ctx.limiter.chargeRequest();
    sendError(ctx, exchange, 400, refused);
    return;
  }
  const key = request.artistKey;
  exchange.key = key;
  ctx.stats.artistRequest(key, exchange.arrivedAt);

  const script = parseFaultScript(request.scanText);
  if (script.standing === 'bad_request') {
    sendError(ctx, exchange, 400, invalidValueBody('input', 'the request was rejected by the FAIL400 fault script.'));
    return;
  }
  ctx.generationRequests++;
  const quotaAfter = ctx.options.insufficientQuotaAfter;
  if (script.standing === 'quota' || (quotaAfter !== undefined && ctx.generationRequests > quotaAfter)) {
    sendError(ctx, exchange, 429, insufficientQuotaBody());
    return;
  }
  // A flex capacity refusal comes before the rate limits: it is not charged and holds nothing.
  if (ctx.flex.refuse(request.serviceTier, ctx.options.flexUnavailableRate)) {
    sendError(ctx, exchange, 429, resourceUnavailableBody());
    return;
  }
  const estimate = request.inputTokens + (request.maxOutputTokens ?? DEFAULT_OUTPUT_RESERVATION);
  if (script.standing === 'too_large' || ctx.limiter.tooLarge(estimate)) {
    const limit = ctx.limiter.tokenCapacity ?? 30_000;
    sendError(ctx, exchange, 429, tooLargeBody(request.model, limit, Math.max(estimate, limit + 1)));
    return;
  }
  const admission = ctx.limiter.tryAdmit(estimate);
  if (!admission.admitted) {
    sendRateLimited(ctx, exchange, rateLimitBody(request.model, admission), admission.waitMs);
    return;
  }

  const attempt = ctx.attempts.get(key) ?? 0;
  ctx.attempts.set(key, attempt + 1);
  // One draw per admitted request, scripted or not, keeps the random sequence reproducible.
  const draw = ctx.random();
  const fault = scriptedFaultAt(script, attempt) ?? pickRandomFault(draw, ctx.options);

  if (fault === 'rate_limit') {
    ctx.limiter.cancel(admission);
    const wait = ctx.options.scriptedRetryAfterMs;
    const limitValue = ctx.options.rpm ?? 60;
    const body = rateLimitBody(request.model, {
      limit: 'rpm',
      limitValue,
      used: limitValue,
      requested: 1,
      waitMs: wait,
    });
    sendRateLimited(ctx, exchange, body, wait);
    return;
  }
  if (fault === 'timeout') {
    // Never answered: the client's own timeout must fire. The charge stays, as a real server's would.
    ctx.stats.hanging(exchange.arrivedAt, key);
    return;
  }

  const delay = latency(ctx);
  if (delay > 0) {
    // The sleep only rejects when the simulator closes; the socket is gone then.
    await ctx.clock.sleep(delay, ctx.closing).catch(() => undefined);
    if (ctx.closing.aborted) return;
  }
  // Chat completions have no `failed` status: the same fault is a plain 500 there.
  if (fault === 'server_error' || fault === 'overloaded' || (fault === 'failed' && request.endpoint === 'chat')) {
    ctx.limiter.settle(admission, 0);
    sendError(
      ctx,
      exchange,
      fault === 'server_error' ? 500 : 503,
      fault === 'server_error' ? serverErrorBody() : overloadedBody(),
    );
    return;
  }
  answer(ctx, exchange, request, admission, script.standing === 'content_filter' ? 'content_filter' : fault);
}

function sendRateLimited(
  ctx: SimContext,
  exchange: Exchange,
  body: ReturnType<typeof rateLimitBody>,
  waitMs: number,
): void {
  if (exchange.key !== null) ctx.stats.retryAfterGiven(exchange.key, exchange.arrivedAt + waitMs);
  const headers: Record<string, string> = {};
  retryAfterHeaders(waitMs, ctx.options.sendRetryAfter, ctx.options.sendRetryAfterMs, headers);
  sendError(ctx, exchange, 429, body, headers);
}

function latency(ctx: SimContext): number {
  const { latencyMs, latencyJitterMs } = ctx.options;
  if (latencyJitterMs === 0) return latencyMs;
  return Math.max(0, latencyMs + (ctx.random() * 2 - 1) * latencyJitterMs);
}

function answer(
  ctx: SimContext,
  exchange: Exchange,
  request: GenerationRequest,
  admission: Admission,
  fault: AnswerFault | undefined,
): void {
  const result = composeAnswer(request, fault, ctx.cachedPrefixes, Math.floor(ctx.clock.now() / 1000));
  ctx.limiter.settle(admission, result.inputTokens + result.outputTokens);
  const body =
    request.endpoint === 'responses' ? responseObject(request, result) : chatCompletionObject(request, result);
  let payload = JSON.stringify(body);
  if (fault === 'malformed') payload = payload.slice(0, Math.floor(payload.length / 2));
  const code =
    fault ??
    (result.status === 'completed'
      ? null
      : result.incompleteReason === 'content_filter'
        ? 'content_filter'
        : 'incomplete');
  ctx.stats.answered(
    request.artistKey,
    result.inputTokens,
    result.outputTokens,
    result.status === 'completed' && fault === undefined && result.text !== '',
  );
  sendPayload(ctx, exchange, 200, payload, code);
}
