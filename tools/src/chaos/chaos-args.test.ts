import { describe, expect, it } from 'vitest';
import { isUsageError } from '../cli/usage-error';
import { parseChaosArgs } from './chaos-args';

describe('parseChaosArgs', () => {
  it('turns the fault flags into the body of POST /admin/chaos', () => {
    const command = parseChaosArgs([
      'order-service-1',
      '--error-rate',
      '0.5',
      '--error-status',
      '503',
      '--latency',
      '300ms',
      '--jitter',
      '50ms',
      '--for',
      '2m',
      '--target',
      'http://127.0.0.1:39080/',
    ]);
    expect(command.action).toEqual({
      kind: 'fault',
      name: 'order-service-1',
      fault: {
        errorRate: 0.5,
        errorStatus: 503,
        latencyMs: 300,
        latencyJitterMs: 50,
        durationMs: 120_000,
      },
    });
    expect(command.target).toBe('http://127.0.0.1:39080');
    expect(parseChaosArgs(['user-service', '--fail-readiness']).action).toEqual({
      kind: 'fault',
      name: 'user-service',
      fault: { failReadiness: true },
    });
  });

  it('reads --clear, --kill (SIGKILL unless --signal) and --list', () => {
    expect(parseChaosArgs(['gateway', '--clear']).action).toEqual({
      kind: 'clear',
      name: 'gateway',
    });
    expect(parseChaosArgs(['order-service-2', '--kill']).action).toEqual({
      kind: 'kill',
      name: 'order-service-2',
      signal: 'SIGKILL',
    });
    expect(
      parseChaosArgs(['order-service-2', '--kill', '--signal', 'SIGTERM']).action,
    ).toMatchObject({
      signal: 'SIGTERM',
    });
    expect(parseChaosArgs(['--list', '--token', 't']).action).toEqual({ kind: 'list' });
  });

  it.each([
    [['order-service-1'], 'say what to do'],
    [
      ['order-service-1', '--error-rate', '1.5'],
      "'--error-rate <share>' argument '1.5' is invalid",
    ],
    [
      ['order-service-1', '--error-rate', 'half'],
      "'--error-rate <share>' argument 'half' is invalid",
    ],
    [['order-service-1', '--latency', '300'], "'--latency <d>' argument '300' is invalid"],
    [['order-service-1', '--latency', '2m'], "'--latency <d>' argument '2m' is invalid"],
    [['order-service-1', '--latency', '10ms', '--for', '1.5m'], "'--for <d>' argument '1.5m'"],
    [['order-service-1', '--for', '60s'], '--for: goes with a fault'],
    [['order-service-1', '--error-status', '503'], '--error-status: goes with --error-rate'],
    [['order-service-1', '--clear', '--kill'], 'one thing at a time: --clear and --kill'],
    [['--clear'], '--clear: name the instance or service'],
    [['--list', 'gateway'], '--list: takes no instance'],
    [['a', 'b', '--clear'], 'too many arguments'],
    [['a', '--kill', '--signal', 'SIGHUP'], "'--signal <name>' argument 'SIGHUP' is invalid"],
    [['--list', '--target', 'localhost:8080'], "'--target <url>' argument 'localhost:8080'"],
    [['--list', '--nope'], "unknown option '--nope'"],
  ])('refuses %j, saying what was wrong', (argv, why) => {
    let error: unknown;
    try {
      parseChaosArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(isUsageError(error)).toBe(true);
    expect(String(error)).toContain(why);
  });
});
