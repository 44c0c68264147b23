import { HelpShown } from '../cli/commander-parse';
import { EXIT_USAGE, isUsageError, UsageError } from '../cli/usage-error';
import type { MeshInstance } from '../mesh-admin';
import {
  AdminClient,
  discoverMesh,
  isAdminError,
  killInstance,
  KillRefusedError,
  resolveAdminToken,
  selectInstances,
} from '../mesh-admin';
import type { ChaosAction, ChaosCommand } from './chaos-args';
import { parseChaosArgs } from './chaos-args';
import { describeFault } from './fault-text';

const out = (line: string) => process.stdout.write(`${line}\n`);

/** `npm run chaos -- …`: see `--help`, and README "Load and chaos". */
async function main(): Promise<number> {
  const command = parseChaosArgs(process.argv.slice(2));
  const token = resolveAdminToken({
    ...(command.token === undefined ? {} : { flag: command.token }),
    ...(process.env['ADMIN_TOKEN'] === undefined ? {} : { env: process.env['ADMIN_TOKEN'] }),
    stateFile: command.stateFile,
  });
  if (!token) {
    throw new UsageError(
      `no admin token: pass --token or set ADMIN_TOKEN (no ${command.stateFile} to read it from)`,
    );
  }
  const client = new AdminClient({ token });
  const mesh = await discoverMesh(client, {
    target: command.target,
    ...(command.admin === undefined ? {} : { gatewayAdminUrl: command.admin }),
  });

  const { action } = command;
  if (action.kind === 'list') {
    await list(client, mesh.instances);
    return 0;
  }
  const chosen = selectInstances(mesh, action.name);
  if (chosen.length === 0) {
    const services = [...new Set(mesh.instances.map((i) => i.service))];
    throw new UsageError(
      `no instance or service "${action.name}"; instances: ${mesh.instances.map((i) => i.id).join(', ')}; ` +
        `services: ${services.join(', ')}`,
    );
  }
  let failed = 0;
  for (const instance of chosen) {
    try {
      out(await act(client, command, action, instance));
    } catch (error) {
      if (!isAdminError(error) && !(error instanceof KillRefusedError)) throw error;
      process.stderr.write(`chaos: ${instance.id}: ${error.message}\n`);
      failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

async function act(
  client: AdminClient,
  command: ChaosCommand,
  action: Exclude<ChaosAction, { kind: 'list' }>,
  instance: MeshInstance,
): Promise<string> {
  switch (action.kind) {
    case 'fault':
      return `chaos: ${instance.id}: ${describeFault(await client.setFault(instance.adminUrl, action.fault))}`;
    case 'clear':
      await client.clearFault(instance.adminUrl);
      return `chaos: ${instance.id}: fault cleared`;
    case 'kill': {
      const { pid, signal } = await killInstance(client, instance, {
        stateFile: command.stateFile,
        signal: action.signal,
      });
      return (
        `chaos: ${instance.id}: sent ${signal} to pid ${pid}; the launcher restarts it ` +
        '(watch: npm run chaos -- --list)'
      );
    }
  }
}

/** The table of `--list`: every instance, how the gateway sees it, and its own status and fault. */
async function list(client: AdminClient, instances: readonly MeshInstance[]): Promise<void> {
  const rows = await Promise.all(
    instances.map(async (instance) => {
      try {
        const status = await client.status(instance.adminUrl);
        return [
          instance.id,
          instance.service,
          instance.state,
          status.ready ? 'ready' : 'not ready',
          String(status.pid),
          describeFault(status.chaos),
        ];
      } catch (error) {
        if (!isAdminError(error)) throw error;
        return [instance.id, instance.service, instance.state, 'unreachable', '-', '-'];
      }
    }),
  );
  const header = ['instance', 'service', 'gateway sees', 'status', 'pid', 'fault'];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  for (const row of all)
    out(
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    );
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HelpShown) {
      process.exitCode = 0;
      return;
    }
    process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
    if (isUsageError(error)) {
      process.stderr.write('(npm run chaos -- --help lists the flags)\n');
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.exitCode = 1;
  },
);
