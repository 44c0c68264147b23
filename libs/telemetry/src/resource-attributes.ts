/**
 * Parses the value of `OTEL_RESOURCE_ATTRIBUTES`: a comma-separated list of `key=value` pairs
 * whose keys and values are percent-encoded (W3C Baggage octet rules). Whitespace around keys
 * and values is trimmed; a pair without `=` or with an empty key is skipped, and a later
 * duplicate key wins, as the OpenTelemetry SDK environment specification describes.
 */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (!raw) return attributes;
  for (const pair of raw.split(',')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    const key = decode(pair.slice(0, separator).trim());
    const value = decode(pair.slice(separator + 1).trim());
    if (key === undefined || key === '' || value === undefined) continue;
    attributes[key] = value;
  }
  return attributes;
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
