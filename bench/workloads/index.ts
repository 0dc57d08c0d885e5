// Every workload, in the order of the report. A workload is one module: its
// rows (vnic's and the peers'), its Node-side measurements, its targets.
import type { Params, Workload } from '../core/types';
import { attach } from './attach';
import { createPipe } from './create-pipe';
import { createSeq } from './create-seq';
import { dump } from './dump';
import { get } from './get';
import { lifecycleWorkload } from './lifecycle';
import { loopLag } from './loop-lag';
import { memory } from './memory';
import { monitor } from './monitor';
import { scaling } from './scaling';
import { teardown } from './teardown';

export function workloads(params: Params): Workload[] {
  return [
    createSeq,
    createPipe,
    lifecycleWorkload,
    dump,
    get,
    ...params.scaleSizes.map(scaling),
    monitor,
    loopLag,
    memory,
    attach,
    teardown,
  ];
}
