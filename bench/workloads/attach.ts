// Container attach: a macvlan on p0 ends up in a second namespace as eth0, up,
// addressed, with a default route.
import { Handle, open } from '../../lib';
import { now, withHandle } from '../core/measure';
import { peer, perN } from '../core/peers';
import { notMeasured, timeAtMost } from '../core/targets';
import type { Params, RowSummary, Sample, Workload } from '../core/types';

/** nl.attach / nl.detach as DESIGN.md describes them (checked at run time: they may not be in vnic yet). */
interface AttachApi {
  attach(options: { netns: string; link: string | number; kind: 'macvlan'; mode: 'bridge'; ifname: string; address: string;
    addresses: string[]; gateway: string }): Promise<unknown>;
  detach(options: { netns: string; ifname: string }): Promise<unknown>;
}

const hasAttach = (): boolean => typeof (Handle.prototype as unknown as Partial<AttachApi>).attach === 'function';
const NOT_YET = 'not yet: nl.attach / nl.detach are not in vnic yet';
const TARGET = 'attach ≤ 1.2× raw libmnl\'s compact attach (0.52 ms-class)';

/** The peers' attach: same name, MAC, address and gateway; the parent by name, or by the index learnt once. */
const attachOptions = (netns: string, link: string | number) => ({
  netns, link, kind: 'macvlan' as const, mode: 'bridge' as const, ifname: 'eth0',
  address: '02:42:0a:c9:00:02', addresses: ['10.201.0.2/16'], gateway: '10.201.0.1',
});

/**
 * `p.attach` attaches, each timed, each followed by a detach (timed apart).
 * byName: each attach names its parent 'p0' (one lookup each, as a CNI plugin
 * does); otherwise p0's index is looked up once, untimed, as raw libmnl does
 * before its loop.
 */
async function attaches(p: Params, netns: string, handleFor: (i: number) => Promise<Handle>, done: (nl: Handle) => void,
                        byName = false): Promise<Sample> {
  let attachSecs = 0;
  let detachSecs = 0;
  const link = byName ? 'p0' : await withHandle((nl) => nl.link.index('p0'));
  for (let i = 0; i < p.attach; i++) {
    const t0 = now();
    const nl = await handleFor(i);
    await (nl as unknown as AttachApi).attach(attachOptions(netns, link));
    const t1 = now();
    await (nl as unknown as AttachApi).detach({ netns, ifname: 'eth0' });
    detachSecs += now() - t1;
    attachSecs += t1 - t0;
    done(nl);
  }
  return { ops: p.attach, secs: attachSecs, metrics: { detachUs: (detachSecs / p.attach) * 1e6 } };
}

export const attach: Workload = {
  id: 'attach',
  title: 'Container attach (and detach)',
  what: 'A macvlan on p0 ends up in a second namespace as eth0 with MAC 02:42:0a:c9:00:02, up, 10.201.0.2/16 and a ' +
    'default route via 10.201.0.1; timed per attach. The teardown (delete eth0) is untimed for the peers; vnic\'s ' +
    'detach is timed apart (its column). steps = create, move, rename, MAC, up, address, route; compact = created ' +
    'directly in the target namespace. The libmnl peer opens the target namespace and a socket in it on every attach, ' +
    'and looks p0\'s index up once before its loop; vnic\'s rows do the same (untimed), except vnic-by-name, which ' +
    'names the parent \'p0\' in every attach (one more exchange each, as a CNI plugin does).',
  reference: 'mnl-compact',
  fixture: { container: true },
  tools: (p, env) => [
    {
      id: 'vnic-fresh', how: 'open() + `nl.attach({ netns, link: <p0 index>, ifname: \'eth0\', address, addresses, gateway })` + close(): ' +
        'a new handle per attach, as a CNI plugin process has (the open is timed)',
      node: 'fresh', skip: hasAttach() ? undefined : NOT_YET,
    },
    {
      id: 'vnic', how: 'the same attach on one long-lived handle: its handle inside the namespace is kept from the first attach',
      node: 'cached', skip: hasAttach() ? undefined : NOT_YET,
    },
    {
      id: 'vnic-by-name', how: 'the same on the long-lived handle, with `link: \'p0\'`: the parent looked up in every attach',
      node: 'byName', skip: hasAttach() ? undefined : NOT_YET,
    },
    peer(env, 'ip-steps', '`ip` spawned per step from bash: 7 spawns', 'ip-bash', (fx) => ['attach', String(p.attach), 'steps', fx.ctr ?? ''], perN),
    peer(env, 'ip-compact', '`ip` spawned from bash: 3 spawns', 'ip-bash', (fx) => ['attach', String(p.attach), 'compact', fx.ctr ?? ''], perN),
    peer(env, 'mnl-steps', 'raw libmnl: 8 requests (incl. lookup)', 'mnl',
      (fx) => ['attach', String(p.attach), 'steps', `/run/netns/${fx.ctr ?? ''}`], perN),
    peer(env, 'mnl-compact', 'raw libmnl: 4 requests (incl. lookup)', 'mnl',
      (fx) => ['attach', String(p.attach), 'compact', `/run/netns/${fx.ctr ?? ''}`], perN),
  ],
  node: {
    fresh: (p, fx) => attaches(p, fx.ctr as string, () => open(), (nl) => nl.close()),
    cached: (p, fx) => withHandle((nl) => attaches(p, fx.ctr as string, async () => nl, () => undefined)),
    byName: (p, fx) => withHandle((nl) => attaches(p, fx.ctr as string, async () => nl, () => undefined, true)),
  },
  metrics: [{ key: 'detachUs', label: 'detach (µs)', digits: 0 }],
  targets: (rows: RowSummary[]) => (hasAttach()
    ? [timeAtMost(rows, TARGET, 'vnic-fresh', 'mnl-compact', 1.2), timeAtMost(rows, `${TARGET}, long-lived handle`, 'vnic', 'mnl-compact', 1.2)]
    : [notMeasured(TARGET, 'nl.attach is not in vnic yet; the peers\' figures stand alone')]),
};
