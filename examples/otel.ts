// OpenTelemetry: the client's token traffic as metrics and spans, through oauth-ccg/otel. The listener uses
// the global meter and tracer providers, so with your SDK registered (NodeSDK and an OTLP exporter, say) it
// is one line. Here the SDK keeps what it records in memory, and the program prints it.
import { metrics, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Client } from 'oauth-ccg';
import { openTelemetryListener } from 'oauth-ccg/otel';
import { environment } from './environment.ts';

// The SDK, set up once per process: yours would export to a collector instead of memory.
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricExporter })] });
const spanExporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
metrics.setGlobalMeterProvider(meterProvider);
trace.setGlobalTracerProvider(tracerProvider);

// The one line oauth-ccg needs.
const client = new Client({
  baseUrl: environment.baseUrl,
  tokenUrl: environment.tokenUrl,
  clientCredentialsAuthCredentials: {
    oAuthClientId: environment.clientId,
    oAuthClientSecret: environment.clientSecret,
  },
  onEvent: openTelemetryListener(),
});

// Three calls at once: one token request, which all three wait for.
const responses = await Promise.all([1, 2, 3].map(() => client.fetch('/whoami')));
console.log('calls:', responses.map((response) => response.status).join(' '));

await meterProvider.forceFlush();
const recorded = metricExporter.getMetrics().flatMap((resource) => resource.scopeMetrics).flatMap((scope) => scope.metrics);
for (const { descriptor, dataPoints } of recorded) {
  for (const { attributes, value } of dataPoints) {
    const shown = typeof value === 'number' ? value : `${value.count} recorded`;
    console.log(`${descriptor.name} ${JSON.stringify(attributes)}: ${shown}`);
  }
}
for (const span of spanExporter.getFinishedSpans()) {
  console.log(`span: ${span.name} ${JSON.stringify(span.attributes)}`);
}
await meterProvider.shutdown();
