import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** A reader that only collects when asked. */
class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point of a collected metric. */
export interface Point {
  attributes: Record<string, unknown>;
  value: number;
}

/** A real SDK meter provider whose metrics a test reads back by name. */
export function createTestMeter(): {
  meterProvider: MeterProvider;
  read(name: string): Promise<Point[]>;
  shutdown(): Promise<void>;
} {
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    meterProvider,
    async read(name) {
      const { resourceMetrics } = await reader.collect();
      const points: Point[] = [];
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== name) continue;
          for (const point of metric.dataPoints) {
            points.push({ attributes: { ...point.attributes }, value: point.value as number });
          }
        }
      }
      return points;
    },
    shutdown: () => meterProvider.shutdown(),
  };
}

/** Sum of the points whose attributes include `match`. */
export function sum(points: readonly Point[], match: Record<string, unknown> = {}): number {
  return points
    .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
    .reduce((total, p) => total + p.value, 0);
}
