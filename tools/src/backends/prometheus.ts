import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReady, startEngineProcess } from './engine-process';
import { DEBIAN_ENGINES, requireInstalledEngine } from './engines';

/**
 * Real Prometheus and Alertmanager processes (Debian's packages) on loopback, for
 * `npm run backends` and the tests: temp storage, the given port, a readiness wait on `/-/ready`,
 * and a `stop()` that leaves nothing behind. See docs/alerts.md and docs/native-backends.md.
 */

/** A backend process that serves on `url` until `stop()`. */
export interface RunningBackend {
  /** Base URL, e.g. `http://127.0.0.1:9090`. */
  readonly url: string;
  readonly pid: number;
  /** Its stdout and stderr. Inside `workDir`, so gone after `stop()` unless `keepWorkDir`. */
  readonly logFile: string;
  /** Where its config, storage and log live. */
  readonly workDir: string;
  /** Stops the process (SIGTERM, then SIGKILL) and removes `workDir` unless `keepWorkDir`. */
  stop(): Promise<void>;
  /** The last lines of its log, for error messages. */
  logTail(lines?: number): string;
}

interface CommonOptions {
  /** Port to listen on. */
  port: number;
  /** Address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The executable. Default: the Debian package's, found on PATH or in /usr/bin. */
  executable?: string;
  /** Directory for config, storage and log. Default: a new temp directory. */
  workDir?: string;
  /** Keep `workDir` after `stop()` (to read the log or the TSDB). Default false. */
  keepWorkDir?: boolean;
  /** How long it may take to answer `/-/ready`, in milliseconds. Default 30000. */
  readyTimeoutMs?: number;
  /** More command-line flags, appended. */
  extraArgs?: readonly string[];
}

export interface StartPrometheusOptions extends CommonOptions {
  /** The config as YAML text, e.g. from `derivePrometheusConfig`; written to `workDir`. */
  config: string;
}

export interface StartAlertmanagerOptions extends CommonOptions {
  /** The Alertmanager config file, normally `<repo>/infra/alertmanager/alertmanager.yml`. */
  configFile: string;
}

async function startBackend(
  name: string,
  defaultExecutable: string,
  options: CommonOptions,
  args: (workDir: string, listen: string) => string[],
): Promise<RunningBackend> {
  const executable = options.executable ?? requireInstalledEngine(defaultExecutable);
  const host = options.host ?? '127.0.0.1';
  const listen = `${host}:${options.port}`;
  const url = `http://${listen}`;
  const createdDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), `mesh-${name}-`));
  mkdirSync(workDir, { recursive: true });
  const logFile = join(workDir, `${name}.log`);
  const cleanUp = () => {
    if (!options.keepWorkDir) {
      rmSync(createdDir ? workDir : join(workDir, 'data'), { recursive: true, force: true });
    }
  };
  let engine;
  try {
    engine = await startEngineProcess({
      name,
      executable,
      args: [...args(workDir, listen), ...(options.extraArgs ?? [])],
      logFile,
      ready: httpReady(`${url}/-/ready`),
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    });
  } catch (error) {
    cleanUp();
    throw error;
  }
  const started = engine;
  let stopped: Promise<void> | undefined;
  return {
    url,
    pid: started.pid,
    logFile,
    workDir,
    logTail: (lines) => started.logTail(lines),
    stop() {
      stopped ??= started.stop().then(cleanUp);
      return stopped;
    },
  };
}

/**
 * Starts Prometheus with `options.config` on `host:port`: TSDB in `<workDir>/data`, exemplar
 * storage on (`--enable-feature=exemplar-storage`, the flag compose passes too), resolves once
 * `/-/ready` answers.
 */
export function startPrometheus(options: StartPrometheusOptions): Promise<RunningBackend> {
  return startBackend('prometheus', DEBIAN_ENGINES.prometheus, options, (workDir, listen) => {
    const configFile = join(workDir, 'prometheus.yml');
    writeFileSync(configFile, options.config);
    return [
      `--config.file=${configFile}`,
      `--web.listen-address=${listen}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      '--storage.tsdb.retention.time=1d',
      '--enable-feature=exemplar-storage',
    ];
  });
}

/**
 * Starts Alertmanager with `options.configFile` on `host:port`: storage in `<workDir>/data`,
 * clustering off (`--cluster.listen-address=` empty: a single node needs no gossip port),
 * resolves once `/-/ready` answers.
 */
export function startAlertmanager(options: StartAlertmanagerOptions): Promise<RunningBackend> {
  return startBackend('alertmanager', DEBIAN_ENGINES.alertmanager, options, (workDir, listen) => [
    `--config.file=${options.configFile}`,
    `--web.listen-address=${listen}`,
    `--storage.path=${join(workDir, 'data')}`,
    '--cluster.listen-address=',
  ]);
}
