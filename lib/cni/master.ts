// The master (parent) link of the macvlan: named by the config, or — as the
// reference does — the interface of the namespace's default route.
import { constants } from 'os';

import { VnicError } from '../errors';
import type { Handle } from '../handle';
import { CNI_ERROR, CniError } from './errors';

/** What a call needs to know of its master. */
export interface MasterLink {
  name: string;
  index: number;
  mtu?: number;
  /** Its MAC: a passthru macvlan takes it over. */
  address?: string;
}

/** The interface of the first default route (IPv4 first, then IPv6) in the handle's namespace. */
export async function defaultRouteInterface(handle: Handle): Promise<number | undefined> {
  const routes = await handle.route.list();
  const defaults = routes.filter((route) => route.dst === 'default' && route.oif !== undefined);
  return (defaults.find((route) => route.family === 4) ?? defaults[0])?.oif;
}

/**
 * Looks the master up in the handle's namespace (`where` says which, for
 * messages); a missing one is a CniError naming it.
 */
export async function findMaster(handle: Handle, master: string | undefined, where: string): Promise<MasterLink> {
  let ref: string | number | undefined = master;
  if (ref === undefined) {
    ref = await defaultRouteInterface(handle);
    if (ref === undefined) {
      throw new CniError(CNI_ERROR.internal, `no master given and no default route interface found in ${where}`,
        'name the parent link with "master" in the network configuration');
    }
  }
  try {
    const link = await handle.link.get(ref, { stats: false });
    return { name: link.name, index: link.index, mtu: link.mtu, address: link.address };
  } catch (error) {
    if (error instanceof VnicError && error.errno === constants.errno.ENODEV) {
      throw new CniError(CNI_ERROR.internal, `master "${String(ref)}" not found in ${where}`,
        'the "master" of the network configuration must name an existing link there');
    }
    throw error;
  }
}
