/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

// name, optional {labels}, value, optional timestamp
const LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?[ \t]+([^ \t]+)(?:[ \t]+-?\d+)?$/;
const PAIR = /\s*([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/g;

/**
 * Reads the samples of a `/metrics` answer (Prometheus text 0.0.4). Tolerant, as a tool reading a
 * live instance should be: comments and lines it cannot read are skipped, not thrown on (the mesh's
 * tests check the exposition strictly with `@mesh/testing`'s parser).
 */
export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const value = Number(
      match[3] === '+Inf' ? Infinity : match[3] === '-Inf' ? -Infinity : match[3],
    );
    if (Number.isNaN(value) && match[3] !== 'NaN') continue;
    const labels: Record<string, string> = {};
    for (const [, key, escaped] of (match[2] ?? '').matchAll(PAIR)) {
      labels[key as string] = (escaped as string).replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include every one of `labels`. */
export function sumSamples(
  samples: readonly MetricSample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) {
      sum += sample.value;
    }
  }
  return sum;
}
