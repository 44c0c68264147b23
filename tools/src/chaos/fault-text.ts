import { formatDurationMs } from '../cli/duration';
import type { FaultState } from '../mesh-admin';

/** A fault as one short phrase: `none`, or e.g. `errors 50% (500), latency 300ms, until 20:01:00Z`. */
export function describeFault(fault: FaultState): string {
  const parts: string[] = [];
  if (fault.errorRate > 0) {
    parts.push(`errors ${Number((fault.errorRate * 100).toFixed(1))}% (${fault.errorStatus})`);
  }
  if (fault.latencyMs > 0 || fault.latencyJitterMs > 0) {
    parts.push(
      `latency ${formatDurationMs(fault.latencyMs)}` +
        (fault.latencyJitterMs > 0 ? ` +0..${formatDurationMs(fault.latencyJitterMs)}` : ''),
    );
  }
  if (fault.failReadiness) parts.push('readiness failing');
  if (parts.length === 0) return 'none';
  if (fault.expiresAt) parts.push(`until ${fault.expiresAt.replace(/\.\d+Z$/, 'Z')}`);
  return parts.join(', ');
}
