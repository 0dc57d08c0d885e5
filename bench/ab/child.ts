// Both builds in one process, inside the A/B namespace:
//
//   ip netns exec NS node dist/bench/ab/child.js CONFIG_JSON
//
// opens a handle with each build's lib/ and times the same operation in
// alternating blocks (this, ref, ref, this, …), printing "RESULT {json}" with
// µs per operation of every round for each build.
import * as path from 'path';

import type * as Vnic from '../../lib';
import { AbConfig, AbResult, OPS_PER_BLOCK } from './types';

type Runner = (i: number) => Promise<unknown>;

async function runnerFor(nl: Vnic.Handle, config: AbConfig, tag: string): Promise<Runner> {
  const name = (i: number): string => `mv${i % Math.max(1, config.fill)}`;
  switch (config.op) {
    case 'index': return (i) => nl.link.index(name(i));
    case 'get': return (i) => nl.link.get(name(i), { stats: false });
    case 'getstats': return (i) => nl.link.get(name(i));
    case 'dump': return () => nl.link.list();
    case 'create': {
      const parent = await nl.link.index('p0');
      let n = 0;
      return () => nl.link.add({ name: `${tag}${n++}`, kind: 'macvlan', link: parent, mode: 'bridge' });
    }
    case 'attach': {
      const link = await nl.link.index('p0');
      const netns = config.ctr as string;
      // Each build attaches its own eth name; the detach is untimed, as in the bench's attach workload.
      const options = { netns, link, kind: 'macvlan' as const, mode: 'bridge' as const, ifname: `eth${tag}`, addresses: [] };
      return async () => {
        await nl.attach(options);
        return () => nl.detach({ netns, ifname: `eth${tag}` });
      };
    }
  }
}

async function block(run: Runner, ops: number): Promise<number> {
  let micros = 0;
  for (let i = 0; i < ops; i++) {
    const t0 = process.hrtime.bigint();
    const after = await run(i);
    micros += Number(process.hrtime.bigint() - t0) / 1e3;
    if (typeof after === 'function') await (after as () => Promise<unknown>)();
  }
  return micros / ops;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2]) as AbConfig;
  /* eslint-disable @typescript-eslint/no-var-requires */
  const thisLib = require(path.join(config.thisDist, 'lib')) as typeof Vnic;
  const refLib = require(path.join(config.refDist, 'lib')) as typeof Vnic;
  const thisNl = await thisLib.open();
  const refNl = await refLib.open();
  try {
    const runs = { this: await runnerFor(thisNl, config, 'a'), ref: await runnerFor(refNl, config, 'b') };
    const ops = OPS_PER_BLOCK[config.op];
    const result: AbResult = { op: config.op, opsPerBlock: ops, thisUs: [], refUs: [] };
    for (let round = 0; round < config.warmup + config.rounds; round++) {
      // ABBA: neither build always goes first after the other's block.
      const order: Array<'this' | 'ref'> = round % 2 === 0 ? ['this', 'ref'] : ['ref', 'this'];
      const times: Record<'this' | 'ref', number> = { this: 0, ref: 0 };
      for (const which of order) times[which] = await block(runs[which], ops);
      if (round < config.warmup) continue;
      result.thisUs.push(times.this);
      result.refUs.push(times.ref);
    }
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } finally {
    thisNl.close();
    refNl.close();
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
