// The shapes every workload, the runner and the report share.

/** The knobs of one run: `full` or `quick` (see params.ts). */
export interface Params {
  mode: 'full' | 'quick';
  /** Repetitions of every workload, round-robin over its tools. */
  reps: number;
  /** Links created one by one / pipelined. */
  create: number;
  /** Requests per Promise.all window when pipelining. */
  window: number;
  /** create + up + addr + delete cycles. */
  lifecycle: number;
  /** Links present for the dump and get-by-name workloads. */
  fill: number;
  /** Gets by name among `fill` links. */
  gets: number;
  /** Gets by name for `ip` spawned from Node (a few ms each). */
  ipGets: number;
  /** Links already present in the scaling workload, and the creates / gets measured on top. */
  scaleSizes: number[];
  scaleOps: number;
  /** Requests in flight while the event-loop lag is measured. */
  lagRequests: number;
  /** Operations between the RSS / fd readings. */
  memOps: number;
  /** Container attaches per run. */
  attach: number;
  /** Links removed at once (bulk teardown), and one by one for comparison. */
  teardown: number;
  teardownOneByOne: number;
}

/** One measured run of one tool. */
export interface Sample {
  /** Operations the timed section did. */
  ops: number;
  /** Wall time of the timed section. */
  secs: number;
  /** Workload-specific readings (lag percentiles, RSS …), summarised by median. */
  metrics?: Record<string, number>;
}

/** Names of what the runner made for a run: the tool sees them as its environment. */
export interface FixtureInfo {
  /** The benchmark namespace (holds veth p0 up, its peer p1). */
  ns: string;
  /** A second, empty namespace, when the workload asked for one. */
  ctr?: string;
  /** Macvlans present when the tool started: fillPrefix0 … fillPrefix(filled-1). */
  filled: number;
  fillPrefix: string;
}

/**
 * How a workload wants its namespace. One fixture serves all of a workload's
 * runs (every repetition, every tool); what a tool changes is undone after it
 * by `reset`.
 */
export interface FixtureSpec {
  /** Macvlans made once, before the first run (untimed), named fillPrefix0… */
  fill?: number;
  fillPrefix?: string;
  /** Their parent: p0, or a second veth q0 (so `reset` keeps them). */
  fillOn?: 'p0' | 'q0';
  /** Macvlans made on p0 before every run of a tool (untimed): what a teardown tool removes. */
  fillBeforeEach?: number;
  /** After every run: delete p0 with whatever the tool made on it (one unregister batch) and make it again. */
  reset?: boolean;
  /** A second namespace ("container"). */
  container?: boolean;
}

/** A program to run inside the benchmark namespace, and how to read its RESULT line. */
export interface Command {
  argv: string[];
  env?: Record<string, string>;
  /** The RESULT line's fields (k=v pairs, or the JSON object vnic's child prints) → a sample. */
  sample(result: Record<string, string | number>): Sample;
}

/** A row of a workload's table. */
export interface Tool {
  id: string;
  /** What it does, the number of requests per operation included. */
  how: string;
  /** Why this row is not measured here (peer folder missing, API not in vnic yet …). */
  skip?: string;
  /** Rows measured in Node (vnic's, and `ip` from Node where the peers have no mode): a key of Workload.node, run in a child process (child.ts). */
  node?: string;
  /** The row this one's ratio compares with, when not the workload's reference; null: none. */
  ref?: string | null;
  /** Peer rows: a command, given the fixture's names. */
  command?(fx: FixtureInfo): Command;
  /** Macvlans on p0 made before each run of this tool (overrides the workload's fillBeforeEach). */
  fillBeforeEach?: number;
  /** Bars of the chart: only rows with a meaningful ops/s (default true). */
  chart?: boolean;
}

/** A measurement made in Node (vnic's side), run inside the benchmark namespace by child.ts. */
export type NodeRun = (params: Params, fx: FixtureInfo) => Promise<Sample>;

/** Extra columns of a workload's table, read from Sample.metrics (median over runs). */
export interface MetricColumn {
  key: string;
  label: string;
  digits?: number;
}

/** What the report knows about one row after the runs. */
export interface RowSummary {
  tool: string;
  how: string;
  skip?: string;
  samples: Sample[];
  failures: string[];
  /** Per-op µs of every run, and its median etc.; undefined when no run succeeded. */
  usPerOp?: { min: number; median: number; max: number };
  opsPerSec?: number;
  /** Median µs per op ÷ the reference row's median µs per op (same run), and that row. */
  vsReference?: number;
  reference?: string;
  metrics: Record<string, number>;
  chart: boolean;
}

export interface TargetResult {
  /** The wording. */
  target: string;
  status: 'met' | 'missed' | 'not measured';
  /** The figures it was judged on. */
  detail: string;
}

export interface Workload {
  id: string;
  title: string;
  /** One paragraph for the report. */
  what: string;
  /** The row the ratio column compares with (raw libmnl), when the workload has one. */
  reference?: string;
  fixture: FixtureSpec | ((params: Params) => FixtureSpec);
  tools(params: Params, env: ToolEnv): Tool[];
  /** The Node-side measurements, by the names Tool.node uses. */
  node: Record<string, NodeRun>;
  metrics?: MetricColumn[];
  targets?(rows: RowSummary[], params: Params): TargetResult[];
  /** Workloads of one group (the scaling sizes) also get one summary table of µs per op. */
  group?: string;
  /** Notes under the table (what the figures mean, what is missing). */
  notes?(params: Params): string[];
}

/** What tool lists may depend on: where the peers and their binaries are. */
export interface ToolEnv {
  /** ../shared/peers, or undefined when absent. */
  peersDir?: string;
  /** Why the peers cannot run (absent folder, failed build …). */
  peersMissing?: string;
  /** Built C programs: bench-mnl, bench-libnl (peers), mnl-get (ours). */
  bin: { mnl?: string; libnl?: string; mnlGet?: string };
  /** The package root: npm netlink loads from its node_modules. */
  root: string;
}
