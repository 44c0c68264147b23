import { z } from 'zod';
import { validationError } from './http-error';
import type { FieldIssue } from './http-error';

/** Turns zod issues into the `details` list of a 400: one entry per bad field. */
export function toFieldIssues(error: z.ZodError, root = 'body'): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: joinPath(root, [...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [{ field: joinPath(root, issue.path), message: issue.message }];
  });
}

function joinPath(root: string, path: readonly PropertyKey[]): string {
  return path.length === 0 ? root : path.map(String).join('.');
}

/**
 * Parses `value` with `schema` or throws a 400 `validation_failed` listing every bad field.
 * `root` names the whole value in the details when the value itself is wrong (`body`, `query`).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  value: unknown,
  root = 'body',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(toFieldIssues(result.error, root));
  return result.data;
}

/** True when `value` holds a C0 control (NUL, BEL, tab, newline, …), DEL or a C1 control. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * A free-text string field without control characters: stores differ on them (PostgreSQL
 * refuses NUL in `text`, SQLite keeps it), so the same request must not be 201 on one and a
 * failure on the other. Chain `.trim()`, `.min()`, `.max()` as for any `z.string()`.
 */
export function plainText() {
  return z.string().refine((value) => !hasControlCharacter(value), {
    message: 'must not contain control characters',
  });
}
