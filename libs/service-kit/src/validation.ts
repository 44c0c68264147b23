import type { z } from 'zod';
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
