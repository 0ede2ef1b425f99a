import { metrics, trace, type Attributes, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { OAuthEvent, OAuthEventListener } from '../events.ts';
import { eventCounters } from './otel/event-counters.ts';
import { TokenRequestTelemetry } from './otel/token-request-telemetry.ts';

/** The instrumentation scope of every meter and tracer: what the telemetry is attributed to. */
const INSTRUMENTATION_SCOPE = 'oauth-ccg';

/** Where {@link openTelemetryListener} sends its metrics and spans. */
export interface OpenTelemetryOptions {
  /**
   * The meter provider. Default: the global one (`metrics.getMeterProvider()`), as it is when the first
   * event arrives, so that an SDK started after the client was made is still the one used.
   */
  readonly meterProvider?: MeterProvider;
  /** The tracer provider. Default: the global one (`trace.getTracerProvider()`), as it is when the first event arrives. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Attributes added to every data point and span, e.g. `{ 'oauth_ccg.client': 'billing' }` to tell
   * clients apart. They are yours: put no secret in them.
   */
  readonly attributes?: Attributes;
}

/**
 * An `onEvent` listener that turns the client's events into OpenTelemetry metrics and spans:
 * `new Client({ ...configuration, onEvent: openTelemetryListener() })`.
 *
 * - `oauth_ccg.token.requests` and `oauth_ccg.token.request.duration` (seconds): each HTTP request to the
 *   token endpoint, by `oauth_ccg.outcome` (`success`, `failure`, `retry`), with `server.address`,
 *   `server.port` and, on failures, `error.type` and `http.response.status_code`; and an `INTERNAL` span
 *   `oauth-ccg token request` for each, its status an error on failure.
 * - A counter for each other event: `oauth_ccg.token.updates`, `.waits`, `.renewals`, `.renewal.failures`,
 *   `.failures`, `.rejections`, `.repeated_rejections`, `oauth_ccg.dpop.proof_rejections`,
 *   `oauth_ccg.store.fallbacks`, `.resumptions`, `.ignored_values`, `oauth_ccg.callback.errors`.
 *
 * No attribute or span ever holds a token, a secret, an assertion or an error message: errors are named by
 * their kind (a registered OAuth error code, or the library's error class). Give each client its own
 * listener: token requests are paired with their ends per listener (a client made by `withConfiguration`
 * shares its original's, which is fine while the two do not request tokens at the same moment).
 */
export function openTelemetryListener(options: OpenTelemetryOptions = {}): OAuthEventListener {
  let record: ((event: OAuthEvent) => void) | undefined;
  return (event) => {
    record ??= recorder(options);
    record(event);
  };
}

function recorder(options: OpenTelemetryOptions): (event: OAuthEvent) => void {
  const attributes = options.attributes ?? {};
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  const countEvent = eventCounters(meter, attributes);
  const tokenRequests = new TokenRequestTelemetry(meter, tracer, attributes);
  return (event) => {
    countEvent(event);
    tokenRequests.observe(event);
  };
}
