import { expect } from 'vitest';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
    requestId: string;
    traceId: string | null;
  };
}

/** Asserts the mesh's error envelope with the given status and code, and returns its body. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<ErrorBody> {
  const body = (await response.json()) as ErrorBody;
  expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(body.error.message).toEqual(expect.any(String));
  expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  expect(body.error).toHaveProperty('traceId');
  return body;
}

/** The `field` of every entry of a validation error's details. */
export function detailFields(body: ErrorBody): string[] {
  return (body.error.details as Array<{ field: string }>).map((issue) => issue.field);
}
