import type { AdminClient, MeshMap } from '../mesh-admin';
import type { LookHere } from './look-here';

/** How a scenario stops and starts etcd (registry-outage); see docs/tour.md. */
export interface EtcdControl {
  /** Says how, for the output: `SIGSTOP pid 1234`, `docker compose stop etcd`, … */
  describe: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** What the command line (or a test) gives every scenario. */
export interface ScenarioOptions {
  /** The gateway's API URL. */
  target: string;
  /** The mesh's ADMIN_TOKEN. */
  token: string;
  /** The native launcher's `mesh.json` (kill / restart of an instance); may not exist (compose). */
  stateFile: string;
  /** Where the native instances write `<instance>.ndjson` (the access logs); may not exist. */
  logsDir: string;
  /** etcd client URLs the mesh uses (registry-outage starts a new instance against them). */
  etcdEndpoints: readonly string[];
  /** How to stop/start etcd (registry-outage only). */
  etcd?: EtcdControl;
  /** Base URLs of the UIs the output links to. */
  links: { grafana: string; jaeger: string; kibana: string; prometheus: string };
}

/** One check of a scenario: its verdict is PASS when every check passed. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was measured, in words and figures. */
  detail: string;
}

/** What a scenario gets to run with. */
export interface ScenarioContext {
  readonly options: ScenarioOptions;
  readonly admin: AdminClient;
  /** The mesh as the gateway's `/admin/status` listed it when the scenario began. */
  readonly mesh: MeshMap;
  /** Aborted on SIGINT: stop what you are doing, the runner cleans up. */
  readonly signal: AbortSignal;
  /** Reads the gateway's status again (after a restart, an instance added…). */
  rediscover(): Promise<MeshMap>;
  /** Prints what the scenario does now. */
  step(text: string): void;
  /** Records a figure observed (client side or from the mesh's metrics and status). */
  observe(label: string, value: string | number | boolean): void;
  /** Records a check; the scenario FAILs when one fails (it goes on, to report the rest). */
  check(name: string, ok: boolean, detail: string): boolean;
  /** Registers how to undo something; undone last-first when the scenario ends, however it ends. */
  defer(what: string, undo: () => Promise<void>): void;
  /** Sleeps, or rejects when the scenario is interrupted. */
  sleep(ms: number): Promise<void>;
}

export interface Scenario {
  name: string;
  /** One line, for `--list`. */
  summary: string;
  /** What the scenario needs beyond a running mesh, for `--list`. */
  needs?: string;
  /** Where to look while (or after) it runs. */
  look(links: ScenarioOptions['links']): LookHere[];
  run(context: ScenarioContext): Promise<void>;
}

/** Thrown by a scenario that cannot go on (the mesh is not in a state to run it). */
export class ScenarioAbort extends Error {
  override readonly name = 'ScenarioAbort';
}
