// One Node-side measurement, run by the runner inside the benchmark namespace:
//
//   ip netns exec NS node --expose-gc dist/bench/child.js WORKLOAD FN PARAMS_JSON FIXTURE_JSON
//
// prints its sample as "RESULT {json}". A fresh process per run, as every
// peer program is one: nothing warmed up or leaked from the last run.
import type { FixtureInfo, Params } from './core/types';
import { workloads } from './workloads';

async function main(): Promise<void> {
  const [id, fn, paramsJson, fixtureJson] = process.argv.slice(2);
  const params = JSON.parse(paramsJson) as Params;
  const fixture = JSON.parse(fixtureJson) as FixtureInfo;
  const run = workloads(params).find((w) => w.id === id)?.node[fn];
  if (!run) throw new Error(`no measurement ${id}/${fn}`);
  const sample = await run(params, fixture);
  process.stdout.write(`RESULT ${JSON.stringify(sample)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? String(error)}\n`);
  process.exit(1);
});
