import { spawn } from 'node:child_process';
import { UsageError } from '../cli/usage-error';
import type { EtcdControl } from './scenario';

/**
 * How registry-outage stops etcd, from the flags: `--etcd-pid` freezes a native etcd (SIGSTOP,
 * then SIGCONT: an etcd that hangs, as a partition looks to its clients), `--etcd-stop` and
 * `--etcd-start` run shell commands (compose: `docker compose stop etcd` / `docker compose start etcd`).
 */
export function etcdControl(flags: {
  etcdPid?: string;
  etcdStop?: string;
  etcdStart?: string;
}): EtcdControl | undefined {
  const commands = flags.etcdStop !== undefined || flags.etcdStart !== undefined;
  if (flags.etcdPid !== undefined && commands) {
    throw new UsageError(
      '--etcd-pid and --etcd-stop/--etcd-start are two ways to do one thing: pick one',
    );
  }
  if (flags.etcdPid !== undefined) {
    const pid = Number(flags.etcdPid);
    if (!Number.isInteger(pid) || pid < 2)
      throw new UsageError(`--etcd-pid: "${flags.etcdPid}" is not a process id`);
    return {
      describe: `SIGSTOP / SIGCONT to etcd pid ${pid}`,
      stop: async () => {
        process.kill(pid, 'SIGSTOP');
      },
      start: async () => {
        process.kill(pid, 'SIGCONT');
      },
    };
  }
  if (!commands) return undefined;
  if (flags.etcdStop === undefined || flags.etcdStart === undefined) {
    throw new UsageError('--etcd-stop and --etcd-start go together');
  }
  const stop = flags.etcdStop;
  const start = flags.etcdStart;
  return {
    describe: `\`${stop}\`, later \`${start}\``,
    stop: () => shell(stop),
    start: () => shell(start),
  };
}

/** Runs a shell command; rejects with its output when it exits non-zero. */
function shell(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`\`${command}\` exited ${code}: ${output.trim().slice(-500)}`)),
    );
  });
}
