// The seeds' macvlan labs, run end to end. Everything lives in namespaces made
// for the run and removed at the end, on failure, or on Ctrl-C / SIGTERM, and
// reachability is checked with vnic's own sockets: no program is spawned.
//
// The modes lab (default): which macvlan modes let two "containers" on one NIC
// talk, what an 802.1Qbg (hairpin) switch changes, passthru's one-child rule,
// and the host that can't reach its own macvlans until it gets a shim.
// The cross-host lab: two hosts on one L2 segment, two bridge-mode macvlan
// containers each: who reaches whom.
//
//   node dist/examples/demo.js                    the modes lab, as a table
//   node dist/examples/demo.js cross-host         the cross-host lab, as a table
//   … --json                                      the same results as one JSON object
import { VnicError } from '../lib';
import type { MacvlanMode } from '../lib';
import * as crossHost from './cross-host';
import { ADDRESSES, MacvlanLab, destroyOnSignals, bareAddress, removeStale, runPrefix } from './lab';

const TAG = 'vdemo';

interface ModeRow {
  mode: MacvlanMode;
  /** Hairpin on the switch port p1; null where it doesn't matter. */
  hairpin: boolean | null;
  /** null: no second child to reach (passthru). */
  ns1ToNs2: boolean | null;
  why: string;
}

interface PassthruResult {
  /** How the kernel answered a second macvlan on p0. */
  secondAdd: { refused: boolean; code?: string; message?: string; hint?: string };
  ns1ToSwitch: boolean;
}

interface HostResult {
  hostToNs1: boolean;
  ns1ToHost: boolean;
  shim: { address: string; hostToNs1: boolean; ns2ToShim: boolean };
}

interface Results {
  namespaces: Record<string, string>;
  modes: ModeRow[];
  passthru: PassthruResult;
  host: HostResult;
  cleanup: { removed: string[]; left: string[] };
  seconds: number;
}

/** The sibling rows, in the seed's order, each with the seed's one-line reason. */
const SIBLING_CASES: ReadonlyArray<Omit<ModeRow, 'ns1ToNs2'>> = [
  { mode: 'private', hairpin: false, why: 'private isolates siblings on one parent' },
  { mode: 'private', hairpin: true, why: '…even when the switch sends their frames back' },
  { mode: 'vepa', hairpin: false, why: 'vepa sends sibling traffic out to the switch, which drops it' },
  { mode: 'vepa', hairpin: true, why: 'an 802.1Qbg switch (hairpin) sends it back: vepa needs one' },
  { mode: 'bridge', hairpin: false, why: 'bridge switches between siblings inside the kernel' },
];
const PASSTHRU_WHY = 'passthru gives one child the whole NIC; a second is refused';

async function surveySiblings(lab: MacvlanLab): Promise<ModeRow[]> {
  const rows: ModeRow[] = [];
  for (const row of SIBLING_CASES) {
    if (lab.mode !== row.mode) await lab.useMode(row.mode);
    await lab.setHairpin(row.hairpin === true);
    rows.push({ ...row, ns1ToNs2: await lab.reaches('ns1', ADDRESSES.ns2) });
  }
  return rows;
}

async function surveyPassthru(lab: MacvlanLab): Promise<PassthruResult> {
  await lab.useMode('passthru');
  await lab.setHairpin(false);
  return {
    secondAdd: await trySecondPassthru(lab),
    ns1ToSwitch: await lab.reaches('ns1', ADDRESSES.switch),
  };
}

/** A second passthru macvlan on p0 while mac1 holds it; removed again if the kernel took it. */
async function trySecondPassthru(lab: MacvlanLab): Promise<PassthruResult['secondAdd']> {
  const host = lab.handle('host');
  try {
    await host.link.add({ name: 'mac2', kind: 'macvlan', link: 'p0', mode: 'passthru' });
  } catch (error) {
    if (!(error instanceof VnicError)) throw error;
    return { refused: true, code: error.code, message: error.message, hint: error.hint };
  }
  await host.link.del('mac2');
  return { refused: false };
}

async function surveyHost(lab: MacvlanLab): Promise<HostResult> {
  await lab.useMode('bridge');
  // With hairpin on, p0's frames would come back in and reach the children: keep the switch plain.
  await lab.setHairpin(false);
  const hostToNs1 = await lab.reaches('host', ADDRESSES.ns1);
  const ns1ToHost = await lab.reaches('ns1', ADDRESSES.host);
  await lab.addShim();
  try {
    return {
      hostToNs1, ns1ToHost,
      shim: { address: ADDRESSES.shim, hostToNs1: await lab.reaches('host', ADDRESSES.ns1), ns2ToShim: await lab.reaches('ns2', ADDRESSES.shim) },
    };
  } finally {
    await lab.removeShim();
  }
}

/** Destroys the lab and reads back what is left under its prefix (nothing, it should be). */
async function tearDown(lab: MacvlanLab): Promise<Results['cleanup']> {
  await lab.destroy();
  return { removed: Object.values(lab.namespaces), left: await lab.left() };
}

const yesNo = (value: boolean | null): string => (value === null ? '—' : value ? 'yes' : 'no');
const pad = (text: string, width: number): string => text.padEnd(width);

function printTable(results: Results): void {
  const ns = results.namespaces;
  console.log(`macvlan lab in namespaces ${Object.values(ns).join(', ')}`);
  console.log(`  host: p0 ${ADDRESSES.host}, promisc, the "physical" NIC ═ veth ═ p1, a port of br0 ${ADDRESSES.switch} (switch)`);
  console.log(`  ns1: mac1 ${ADDRESSES.ns1}   ns2: mac2 ${ADDRESSES.ns2}   (macvlans on p0, moved in)\n`);
  console.log(`${pad('mode', 10)}${pad('hairpin', 9)}${pad('ns1→ns2', 9)}why`);
  for (const row of results.modes) {
    const hairpin = row.hairpin === null ? '—' : row.hairpin ? 'on' : 'off';
    console.log(`${pad(row.mode, 10)}${pad(hairpin, 9)}${pad(yesNo(row.ns1ToNs2), 9)}${row.why}`);
  }
  const { secondAdd, ns1ToSwitch } = results.passthru;
  console.log(`${pad('passthru', 10)}${pad('—', 9)}${pad('—', 9)}${PASSTHRU_WHY}`);
  console.log(`${' '.repeat(28)}second macvlan on p0: ${secondAdd.refused ? `refused, ${secondAdd.message}` : 'ACCEPTED (unexpected)'}`);
  console.log(`${' '.repeat(28)}ns1 → switch ${bareAddress(ADDRESSES.switch)}: ${yesNo(ns1ToSwitch)}\n`);

  const { host } = results;
  console.log('The host and its own macvlans (bridge mode, no hairpin):');
  console.log(`  host p0 ${bareAddress(ADDRESSES.host)} → ns1 ${bareAddress(ADDRESSES.ns1)}: ${yesNo(host.hostToNs1)}`);
  console.log(`  ns1 → host ${bareAddress(ADDRESSES.host)}: ${yesNo(host.ns1ToHost)}`);
  console.log('  p0 sends straight to the wire and macvlan only sorts frames arriving on p0: the host never meets its children.');
  console.log(`  With a bridge-mode macvlan "shim" on p0 holding ${host.shim.address} (p0's address removed):`);
  console.log(`  host → ns1 ${bareAddress(ADDRESSES.ns1)}: ${yesNo(host.shim.hostToNs1)}   ns2 → host ${bareAddress(host.shim.address)}: ${yesNo(host.shim.ns2ToShim)}\n`);

  printCleanup(results.cleanup, results.seconds);
}

/** The last line of either lab's report: what was removed, and anything left. */
function printCleanup(cleanup: { removed: string[]; left: string[] }, seconds: number): void {
  console.log(cleanup.left.length === 0
    ? `Removed the lab: ${cleanup.removed.length} namespaces deleted, none left. (${seconds.toFixed(1)} s)`
    : `Removed the lab, but these namespaces are still there: ${cleanup.left.join(', ')}`);
}

async function runModes(json: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  await removeStale(TAG);
  const lab = new MacvlanLab(runPrefix(TAG));
  destroyOnSignals(lab, (line) => console.error(line));
  let measured: Omit<Results, 'cleanup' | 'seconds'>;
  let cleanup: Results['cleanup'];
  try {
    if (!json) console.error('building the lab…');
    await lab.build();
    measured = {
      namespaces: lab.namespaces,
      modes: await surveySiblings(lab),
      passthru: await surveyPassthru(lab),
      host: await surveyHost(lab),
    };
  } finally {
    cleanup = await tearDown(lab);
  }
  const results: Results = { ...measured, cleanup, seconds: secondsSince(started) };
  if (json) console.log(JSON.stringify(results, null, 2));
  else printTable(results);
  return cleanup.left.length === 0 ? 0 : 1;
}

// ── the cross-host lab ──────────────────────────────────────────────────────

interface CrossHostResults {
  lab: 'cross-host';
  namespaces: Record<crossHost.NodeName, string>;
  addresses: Record<crossHost.NodeName, string>;
  facts: crossHost.FactResult[];
  /** Whether every fact came out as the seed says. */
  asExpected: boolean;
  cleanup: { removed: string[]; left: string[] };
  seconds: number;
}

function printCrossHost(results: CrossHostResults): void {
  const { addresses: a, namespaces } = results;
  console.log(`cross-host macvlan lab (seed 004) in namespaces ${Object.values(namespaces).join(', ')}`);
  console.log(`  hostA eth0 ${a.hostA}, promisc ═ veth ═ hostB eth0 ${a.hostB}, promisc   (one L2 segment)`);
  console.log(`  hostA: net2 ${a['hostA-net2']}, net3 ${a['hostA-net3']}   hostB: net2 ${a['hostB-net2']}, net3 ${a['hostB-net3']}`);
  console.log('  (each container\'s eth0 a bridge-mode macvlan on its host\'s eth0)\n');
  const node = (name: crossHost.NodeName): string => `${name} ${crossHost.bareAddress(a[name])}`;
  console.log(`${pad('from', 24)}${pad('to', 24)}${pad('reached', 9)}${pad('relation', 25)}why`);
  for (const fact of results.facts) {
    const reached = fact.reached === fact.expected ? yesNo(fact.reached) : `${yesNo(fact.reached)} (!)`;
    console.log(`${pad(node(fact.from), 24)}${pad(node(fact.to), 24)}${pad(reached, 9)}${pad(fact.relation, 25)}${fact.why}`);
  }
  const wrong = results.facts.filter((fact) => fact.reached !== fact.expected).length;
  console.log(wrong === 0
    ? `\nAll ${results.facts.length} facts as the seed says.`
    : `\n${wrong} of ${results.facts.length} facts NOT as the seed says (marked (!)).`);
  printCleanup(results.cleanup, results.seconds);
}

async function runCrossHost(json: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  await removeStale(TAG);
  const lab = crossHost.crossHostLab(runPrefix(TAG));
  destroyOnSignals(lab.spaces, (line) => console.error(line));
  let facts: crossHost.FactResult[];
  let cleanup: CrossHostResults['cleanup'];
  try {
    if (!json) console.error('building the lab…');
    await crossHost.build(lab);
    facts = await crossHost.survey(lab);
  } finally {
    cleanup = await crossHost.teardown(lab);
  }
  const asExpected = facts.every((fact) => fact.reached === fact.expected);
  const results: CrossHostResults = {
    lab: 'cross-host', namespaces: { ...lab.namespaces }, addresses: { ...crossHost.ADDRESSES },
    facts, asExpected, cleanup, seconds: secondsSince(started),
  };
  if (json) console.log(JSON.stringify(results, null, 2));
  else printCrossHost(results);
  return asExpected && cleanup.left.length === 0 ? 0 : 1;
}

// ── dispatch ────────────────────────────────────────────────────────────────

const secondsSince = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

const LABS = new Map<string, (json: boolean) => Promise<number>>([['modes', runModes], ['cross-host', runCrossHost]]);
const USAGE = `usage: demo [modes | cross-host] [--json]`;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const names = args.filter((arg) => arg !== '--json');
  const run = names.length <= 1 ? LABS.get(names[0] ?? 'modes') : undefined;
  if (!run) {
    console.error(USAGE);
    return 2;
  }
  return run(json);
}

// No process.exit() on success: the process ends when nothing is left open,
// which shows that every socket and handle was closed.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exitCode = 1;
  },
);
