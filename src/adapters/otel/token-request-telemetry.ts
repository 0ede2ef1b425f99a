import { context, SpanKind, SpanStatusCode, type Attributes, type Counter, type Histogram, type Meter, type Tracer } from '@opentelemetry/api';
import type { OAuthEvent } from '../../events.ts';
import { ATTRIBUTE, errorAttributes, serverAttributes } from './attributes.ts';
import { OpenAttempts, type AttemptStart } from './open-attempts.ts';

/** How a token request attempt ended: a token, a failure that ends the request, or a failure followed by another attempt. */
type Outcome = 'success' | 'failure' | 'retry';

/** The span of each attempt. */
const TOKEN_REQUEST_SPAN = 'oauth-ccg token request';

/** Those of the semantic conventions' `http.client.request.duration`, so that the two histograms compare bucket by bucket. */
const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * Each attempt of a token request (one HTTP request to the token endpoint, as the `token-request` event
 * reports it) as a count by outcome, a duration and a span. The events mark an attempt's start; its end is
 * the event that follows: `token-request-retry` (outcome `retry`), `token-updated` from the endpoint or a
 * provider (`success`), `token-failed` or `renewal-failed` (`failure`). The duration ends when that event is
 * emitted, so it includes reading and checking the response, and a DPoP nonce's immediate second request,
 * which the library does not count as an attempt; it excludes the wait before a retry.
 *
 * The span is made when the attempt ends, with the times it started and ended, under the trace that was
 * active when it started (the call that needed the token). So no span is ever left open by an attempt
 * whose end is never reported (see {@link OpenAttempts}). It is `INTERNAL`: the HTTP request itself is the
 * HTTP instrumentation's `CLIENT` span, which an event listener cannot wrap and should not duplicate.
 */
export class TokenRequestTelemetry {
  readonly #open = new OpenAttempts();
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #tracer: Tracer;
  readonly #attributes: Attributes;

  constructor(meter: Meter, tracer: Tracer, attributes: Attributes) {
    this.#requests = meter.createCounter('oauth_ccg.token.requests', {
      unit: '{request}',
      description: 'HTTP requests to the token endpoint (attempts, retries included), by outcome: success, failure, or retry when another attempt follows.',
    });
    this.#duration = meter.createHistogram('oauth_ccg.token.request.duration', {
      unit: 's',
      description: 'Duration of each HTTP request to the token endpoint, by outcome, from sending to the token in use or the failure reported.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_SECONDS },
    });
    this.#tracer = tracer;
    this.#attributes = attributes;
  }

  /** Takes note of the events that start or end an attempt; ignores the rest. */
  observe(event: OAuthEvent): void {
    switch (event.type) {
      case 'token-request':
        this.#open.start({ url: event.url, attempt: event.attempt, startedAt: now(), context: context.active() });
        return;
      case 'token-request-retry':
        // Discovery and revocation report their retries with this event too: one with no attempt of its number open is theirs.
        this.#end(this.#open.take(event.attempt), 'retry', event.error);
        return;
      case 'token-updated':
        // A token from the shared store ends no request of this client's.
        if (event.source !== 'store') this.#end(this.#open.take(), 'success', undefined);
        return;
      case 'token-failed':
      case 'renewal-failed':
        this.#end(this.#open.take(), 'failure', event.error);
        return;
    }
  }

  #end(start: AttemptStart | undefined, outcome: Outcome, error: unknown): void {
    if (!start) return;
    const endedAt = now();
    const attributes: Attributes = {
      ...this.#attributes,
      ...serverAttributes(start.url, { full: false }),
      [ATTRIBUTE.outcome]: outcome,
      ...(outcome === 'success' ? {} : errorAttributes(error)),
    };
    this.#requests.add(1, attributes);
    this.#duration.record((endedAt - start.startedAt) / 1000, attributes);
    const span = this.#tracer.startSpan(
      TOKEN_REQUEST_SPAN,
      {
        kind: SpanKind.INTERNAL,
        startTime: start.startedAt,
        attributes: { ...attributes, ...serverAttributes(start.url, { full: true }), [ATTRIBUTE.attempt]: start.attempt },
      },
      start.context,
    );
    // A success leaves the status unset, as the conventions ask of instrumentation.
    if (outcome !== 'success') span.setStatus({ code: SpanStatusCode.ERROR, message: String(attributes[ATTRIBUTE.errorType]) });
    span.end(endedAt);
  }
}

/** Epoch milliseconds from the monotonic clock, which the span API takes as they are. */
function now(): number {
  return performance.timeOrigin + performance.now();
}
