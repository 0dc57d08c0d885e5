// The seeds' macvlan lab, run end to end: which macvlan modes let two
// "containers" on one NIC talk, what an 802.1Qbg (hairpin) switch changes,
// passthru's one-child rule, and the host that can't reach its own macvlans
// until it gets a shim. Everything lives in namespaces made for the run and
// removed at the end, on failure, or on Ctrl-C / SIGTERM.
//
//   node dist/examples/demo.js          a table
//   node dist/examples/demo.js --json   the same results as one JSON object
import { VnicError, netns } from '../lib';
import type { MacvlanMode } from '../lib';
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
  const left = (await netns.list()).filter((name) => name.startsWith(lab.prefix));
  return { removed: Object.values(lab.namespaces), left };
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

  const { removed, left } = results.cleanup;
  console.log(left.length === 0
    ? `Removed the lab: ${removed.length} namespaces deleted, none left. (${results.seconds.toFixed(1)} s)`
    : `Removed the lab, but these namespaces are still there: ${left.join(', ')}`);
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
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
  const results: Results = { ...measured, cleanup, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  if (json) console.log(JSON.stringify(results, null, 2));
  else printTable(results);
  return cleanup.left.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`demo failed: ${error.message}`);
    process.exit(1);
  },
);
