/**
 * oauth-ccg/otel: the client's events as OpenTelemetry metrics and spans, apart from the core so that only
 * its users need `@opentelemetry/api` (an optional peer dependency).
 *
 * - {@link openTelemetryListener}: an `onEvent` listener that records token requests, renewals, refusals and
 *   store fallbacks through `@opentelemetry/api`.
 */
export { openTelemetryListener, type OpenTelemetryOptions } from './adapters/otel.ts';
