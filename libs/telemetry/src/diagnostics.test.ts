import { describe as suite, expect, it } from 'vitest';
import { describe, OnceReporter, WarningDiagLogger } from './diagnostics';

function recorder() {
  const seen: string[] = [];
  return { seen, once: new OnceReporter((message) => seen.push(message), 3) };
}

suite('OnceReporter', () => {
  it('passes each distinct message once, however often it repeats', () => {
    const { seen, once } = recorder();
    for (let i = 0; i < 10; i++) once.note('export failed: ECONNREFUSED');
    once.note('other');
    expect(seen).toEqual(['export failed: ECONNREFUSED', 'other']);
  });

  it('stops after the distinct-message cap', () => {
    const { seen, once } = recorder();
    for (let i = 0; i < 10; i++) once.note(`message ${i}`);
    expect(seen).toEqual(['message 0', 'message 1', 'message 2']);
  });
});

suite('WarningDiagLogger', () => {
  it('forwards warn and error with their arguments, drops info, debug and verbose', () => {
    const { seen, once } = recorder();
    const logger = new WarningDiagLogger(once);
    logger.info();
    logger.debug();
    logger.verbose();
    logger.warn('bad header', { key: 'x' });
    logger.error('export failed', new Error('socket hang up'));
    expect(seen).toEqual(['bad header {"key":"x"}', 'export failed socket hang up']);
  });
});

suite('describe', () => {
  it('renders errors, strings and objects as one line', () => {
    expect(describe(new Error('boom'))).toBe('boom');
    expect(describe('text')).toBe('text');
    expect(describe({ a: 1 })).toBe('{"a":1}');
    expect(describe(undefined)).toBe('undefined');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(describe(circular)).toBe('[object Object]');
  });
});
