import { randomBytes } from 'node:crypto';

/** The configured admin token, or a fresh random one the service prints once at start-up. */
export function resolveAdminToken(configured: string | undefined): {
  token: string;
  generated: boolean;
} {
  if (configured) return { token: configured, generated: false };
  return { token: randomBytes(24).toString('base64url'), generated: true };
}
