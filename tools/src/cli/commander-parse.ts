import { CommanderError, InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { parseDurationMs } from './duration';
import { UsageError } from './usage-error';

/** `--help` was asked for and printed: exit 0. */
export class HelpShown extends Error {
  override readonly name = 'HelpShown';
}

/**
 * Parses `argv` (without node and the script) with a commander program, turning every problem
 * into a {@link UsageError} whose message names the flag (commander's own wording), and `--help`
 * into {@link HelpShown}.
 */
export function parseWith(program: Command, argv: readonly string[]): Command {
  // the caller prints the UsageError itself, once
  const silent = (): void => undefined;
  program.exitOverride().configureOutput({ writeErr: silent, outputError: silent });
  try {
    return program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
        throw new HelpShown(error.message);
      }
      throw new UsageError(error.message.replace(/^error: /, ''));
    }
    throw error;
  }
}

/** A commander argument parser: a strict duration (`300ms`, `60s`, `2m`) in ms. */
export function durationArg(min: number, max: number) {
  return (value: string): number => {
    const ms = parseDurationMs(value);
    if (ms === undefined)
      throw new InvalidArgumentError('must be a duration like 300ms, 60s or 2m');
    if (ms < min || ms > max) {
      throw new InvalidArgumentError(`must be from ${min}ms to ${max}ms`);
    }
    return ms;
  };
}

/** A commander argument parser: a number from `min` to `max` (whole when `integer`). */
export function numberArg(min: number, max: number, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      throw new InvalidArgumentError(
        `must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/** A commander argument parser: an http(s) base URL. */
export function httpUrlArg(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new InvalidArgumentError('must be an http(s) URL, e.g. http://127.0.0.1:8080');
  }
  return new URL(value).origin;
}
