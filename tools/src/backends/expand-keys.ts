/** A decoded JSON object. */
export type JsonObject = { [key: string]: unknown };

/** A log line whose keys cannot be expanded: Filebeat would ship it undecoded, with `error.type: json`. */
export class ExpandKeysError extends Error {
  /** The dotted key (as written, prefixed by its parents) that could not be placed. */
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`cannot expand "${key}": ${reason}`);
    this.name = 'ExpandKeysError';
    this.key = key;
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Expands dotted keys into nested objects the way Filebeat's `ndjson` parser does with
 * `expand_keys: true` (libbeat's jsontransform): nested objects are expanded first; a dotted key
 * is moved to its path, creating objects on the way; an object landing on an existing object is
 * deep-merged into it. Any other meeting — a value under a path that holds a non-object, a value
 * where one already is (even an equal one), two merged objects with the same non-object key —
 * is a conflict: Filebeat then gives up on the whole line, so this throws {@link ExpandKeysError}.
 * Returns a new object; the input is not changed. Keys without a dot stay as they are.
 */
export function expandKeys(line: JsonObject): JsonObject {
  return expandObject(line, '');
}

function expandObject(source: JsonObject, prefix: string): JsonObject {
  const result: JsonObject = {};
  // Plain keys first, so that a dotted key finds them whatever their order in the line.
  const entries = Object.entries(source).sort(
    ([a], [b]) => Number(a.includes('.')) - Number(b.includes('.')),
  );
  for (const [key, raw] of entries) {
    const value = isJsonObject(raw) ? expandObject(raw, `${prefix}${key}.`) : raw;
    if (!key.includes('.')) {
      result[key] = value;
      continue;
    }
    place(result, key, value, `${prefix}${key}`);
  }
  return result;
}

function place(target: JsonObject, dottedKey: string, value: unknown, shownKey: string): void {
  const segments = dottedKey.split('.');
  const leaf = segments.pop() as string;
  let node = target;
  for (const segment of segments) {
    const next = node[segment];
    if (next === undefined) {
      const created: JsonObject = {};
      node[segment] = created;
      node = created;
    } else if (isJsonObject(next)) {
      node = next;
    } else {
      throw new ExpandKeysError(shownKey, `"${segment}" already holds a non-object value`);
    }
  }
  const existing = node[leaf];
  if (existing === undefined) {
    node[leaf] = value;
    return;
  }
  if (!isJsonObject(value) || !isJsonObject(existing)) {
    throw new ExpandKeysError(shownKey, 'a value is already there');
  }
  node[leaf] = merge(value, existing, shownKey);
}

/** Deep merge of two objects that may share keys only where both hold objects. */
function merge(left: JsonObject, right: JsonObject, shownKey: string): JsonObject {
  const merged: JsonObject = { ...left };
  for (const [key, rightValue] of Object.entries(right)) {
    const leftValue = merged[key];
    if (leftValue === undefined) {
      merged[key] = rightValue;
    } else if (isJsonObject(leftValue) && isJsonObject(rightValue)) {
      merged[key] = merge(leftValue, rightValue, `${shownKey}.${key}`);
    } else {
      throw new ExpandKeysError(shownKey, `both objects hold "${key}"`);
    }
  }
  return merged;
}

/**
 * The value at a dotted path of an expanded object (`trace.id` → `line.trace.id`), or undefined.
 */
export function valueAtPath(expanded: JsonObject, path: string): unknown {
  let node: unknown = expanded;
  for (const segment of path.split('.')) {
    if (!isJsonObject(node)) return undefined;
    node = node[segment];
  }
  return node;
}
