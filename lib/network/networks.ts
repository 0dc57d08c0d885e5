// Docker-style macvlan networks: a persisted definition (parent, mode,
// subnet, gateway, ip range, aux addresses), containers connected through
// the shared host-local IPAM and handle.attach, and refused removal while
// anything is connected.
//
// Races between processes: create and remove hold <stateDir>/lock. connect
// does not (attaches run in parallel); instead it writes its endpoint record
// first and then checks that the definition still exists, while remove
// hides the definition first and then checks for endpoint records: whichever
// comes second sees the other and backs off.
import * as fs from 'fs';
import { constants } from 'os';
import * as path from 'path';

// The library's own modules rather than '../index', which exports this one: no import cycle.
import { parseCidr } from '../addr';
import { VnicError, invalid } from '../errors';
import { open } from '../handle';
import type { Handle } from '../handle';
import { HostLocalStore } from '../ipam';
import { withDirLock } from '../ipam/lock';
import { checkKnownKeys, checkLinkName } from '../validate';
import { auxToReserve, checkNetworkName, defineNetwork, ipamConfig } from './definition';
import { DEFAULT_STATE_DIR, StateDir, hide, listJson, readJson, writeJson } from './state';
import type {
  NetworkConnectOptions, NetworkCreateOptions, NetworkDefinition, NetworkDisconnectOptions, NetworkEndpoint,
  NetworkInspection, NetworkNetns, NetworksOptions, PendingEndpoint,
} from './types';

const { EBUSY, EEXIST, ENODEV, ENOENT } = constants.errno;
/** The IPAM owner of a network's aux addresses (the ifname field holds the aux name). */
const AUX_OWNER = 'vnic-aux';

/** The namespace as a string to persist: a name, or a path (a process's namespace file). */
function netnsText(op: string, netns: NetworkNetns): string {
  if (typeof netns === 'string' && netns !== '') return netns;
  if (typeof netns === 'object' && netns !== null && Number.isInteger(netns.pid) && netns.pid > 0) return `/proc/${netns.pid}/ns/net`;
  throw invalid(op, 'netns', 'must be a namespace name, a path, or { pid }');
}

function noNetwork(op: string, name: string): VnicError {
  return new VnicError({ errno: ENOENT, op, target: name, summary: `no network ${name}` });
}

export class Networks {
  /** The directory holding the definitions. */
  readonly stateDir: string;
  private readonly paths: StateDir;
  private readonly opened = new Map<string, Promise<Handle>>();

  constructor(private readonly options: NetworksOptions = {}) {
    this.stateDir = path.resolve(options.stateDir ?? process.env.VNIC_STATE_DIR ?? DEFAULT_STATE_DIR);
    this.paths = new StateDir(this.stateDir);
  }

  /** `docker network create -d macvlan …`: checks the options and that the parent exists, then persists the definition. */
  async create(options: NetworkCreateOptions): Promise<NetworkDefinition> {
    const op = 'network.create';
    const base = defineNetwork(options);
    const given = this.options.handle;
    const parentNetns = typeof given?.netns === 'string' ? given.netns : undefined;
    const definition: NetworkDefinition = {
      ...base, ...(parentNetns === undefined ? {} : { parentNetns }), created: new Date().toISOString(),
    };
    const handle = await this.handleFor(definition);
    await handle.link.get(definition.parent).catch((error: unknown) => {
      if (error instanceof VnicError && error.errno === ENODEV) {
        throw error.with({ op, field: 'parent', target: definition.name, summary: `parent ${definition.parent} does not exist` });
      }
      throw error;
    });
    return withDirLock(this.stateDir, async () => {
      const file = this.paths.definition(definition.name);
      if (fs.existsSync(file)) throw new VnicError({ errno: EEXIST, op, target: definition.name, summary: `network ${definition.name} exists` });
      // Leftovers of an interrupted remove of a network of this name: nothing can be connected to it.
      this.clearState(definition.name);
      if (!writeJson(file, definition, true)) {
        throw new VnicError({ errno: EEXIST, op, target: definition.name, summary: `network ${definition.name} exists` });
      }
      try {
        const store = this.store(definition);
        for (const [key, address] of auxToReserve(definition, store.config)) await store.reserve(AUX_OWNER, key, [address]);
      } catch (error) {
        fs.rmSync(file, { force: true });
        this.clearState(definition.name);
        throw error;
      }
      return definition;
    });
  }

  /**
   * Gives the namespace an interface on the network: an address from the
   * IPAM (or `ip`), a macvlan on the parent, the gateway as default route.
   * All or nothing: the address is released if the attach fails.
   */
  async connect(name: string, netns: NetworkNetns, options: NetworkConnectOptions = {}): Promise<NetworkEndpoint> {
    const op = 'network.connect';
    checkNetworkName(op, name);
    checkKnownKeys(op, options, ['ip', 'ifname', 'containerId']);
    const target = netnsText(op, netns);
    const ifname = checkLinkName(op, 'ifname', options.ifname ?? 'eth0');
    const containerId = options.containerId ?? target;
    if (typeof containerId !== 'string' || containerId.trim() === '' || /[\r\n]/.test(containerId)) {
      throw invalid(op, 'containerId', 'must be a non-empty string on one line');
    }
    if (options.ip !== undefined) parseCidr(op, 'ip', options.ip);
    const definition = this.definition(op, name);
    // Also fails early, before anything is allocated, when the namespace does not exist.
    const defaultRoute = !(await this.hasDefaultRoute(netns, definition.subnet.includes(':') ? 6 : 4));
    const record = this.paths.endpoint(name, target, ifname);
    const pending: PendingEndpoint = { network: name, netns: target, ifname, containerId, pending: true };
    if (!writeJson(record, pending, true)) {
      throw new VnicError({
        errno: EEXIST, op, target: `${ifname} in ${target}`,
        summary: `${target} already has ${ifname} on network ${name} (disconnect it first)`,
      });
    }
    // What to undo should a later step fail.
    let release: HostLocalStore | undefined;
    let detach: Handle | undefined;
    try {
      if (!fs.existsSync(this.paths.definition(name))) throw noNetwork(op, name);   // removed meanwhile
      const store = this.store(definition);
      const allocated = await store.allocate(containerId, ifname, options.ip === undefined ? undefined : [options.ip]);
      release = store;
      const [ip] = allocated.ips;
      const handle = await this.handleFor(definition);
      const attachment = await handle.attach({
        netns, link: definition.parent, mode: definition.mode, ifname, addresses: [ip.address],
        ...(defaultRoute ? { gateway: ip.gateway } : {}), ...(definition.mtu === undefined ? {} : { mtu: definition.mtu }),
      });
      detach = handle;
      const endpoint: NetworkEndpoint = {
        network: name, netns: target, ifname, containerId, address: ip.address, gateway: ip.gateway ?? definition.gateway,
        defaultRoute, mac: attachment.address, index: attachment.index,
      };
      writeJson(record, endpoint, false);
      return endpoint;
    } catch (error) {
      await detach?.detach({ netns, ifname }).catch(() => undefined);
      await release?.release(containerId, ifname).catch(() => undefined);
      fs.rmSync(record, { force: true });
      throw error;
    }
  }

  /** Removes the namespace's interface and releases its address; idempotent (false when nothing was connected). */
  async disconnect(name: string, netns: NetworkNetns, options: NetworkDisconnectOptions = {}): Promise<boolean> {
    const op = 'network.disconnect';
    checkNetworkName(op, name);
    checkKnownKeys(op, options, ['ifname']);
    const target = netnsText(op, netns);
    const ifname = checkLinkName(op, 'ifname', options.ifname ?? 'eth0');
    const record = this.paths.endpoint(name, target, ifname);
    const endpoint = readJson<NetworkEndpoint | PendingEndpoint>(record);
    if (!endpoint) return false;
    const definition = readJson<NetworkDefinition>(this.paths.definition(name));
    // Only an interface this network made is removed: the record says it is ours, unless another network's
    // record claims the same name there (this one's connect died before its attach, that one's came later).
    if (!this.claimedElsewhere(name, target, ifname)) {
      const handle = await this.handleFor(definition ?? {});
      await handle.detach({ netns, ifname });
    }
    if (definition) await this.store(definition).release(endpoint.containerId, ifname);
    fs.rmSync(record, { force: true });
    return true;
  }

  /** Every network, by name. */
  async list(): Promise<NetworkDefinition[]> {
    return listJson(this.stateDir).map((file) => readJson<NetworkDefinition>(file)).filter((d): d is NetworkDefinition => d !== undefined);
  }

  /** A network's definition and its endpoints. */
  async inspect(name: string): Promise<NetworkInspection> {
    const op = 'network.inspect';
    checkNetworkName(op, name);
    const definition = this.definition(op, name);
    return { ...definition, endpoints: this.endpoints(name) };
  }

  /** Deletes the network and its IPAM state; refused (EBUSY) while anything is connected. */
  async remove(name: string): Promise<void> {
    const op = 'network.remove';
    checkNetworkName(op, name);
    const busy = (endpoints: Array<NetworkEndpoint | PendingEndpoint>) => new VnicError({
      errno: EBUSY, op, target: name,
      summary: `network ${name} has ${endpoints.length} connected endpoint(s) (${endpoints.map((e) => `${e.ifname} in ${e.netns}`).join(', ')}): disconnect them first`,
    });
    await withDirLock(this.stateDir, () => {
      const file = this.paths.definition(name);
      if (!fs.existsSync(file)) throw noNetwork(op, name);
      const before = this.endpoints(name);
      if (before.length > 0) throw busy(before);
      const hidden = hide(file);
      if (hidden === undefined) throw noNetwork(op, name);
      const after = this.endpoints(name);
      if (after.length > 0) {
        fs.renameSync(hidden, file);   // a connect got in between: it stays
        throw busy(after);
      }
      this.clearState(name);
      fs.rmSync(hidden, { force: true });
    });
  }

  /** Closes the handles this object opened (not the one it was given). */
  close(): void {
    for (const handle of this.opened.values()) handle.then((h) => h.close(), () => undefined);
    this.opened.clear();
  }

  private async hasDefaultRoute(netns: NetworkNetns, family: 4 | 6): Promise<boolean> {
    const inside = await open({ netns });
    try {
      return (await inside.route.list({ family })).some((route) => route.dst === 'default');
    } finally {
      inside.close();
    }
  }

  private definition(op: string, name: string): NetworkDefinition {
    const definition = readJson<NetworkDefinition>(this.paths.definition(name));
    if (!definition) throw noNetwork(op, name);
    return definition;
  }

  /** Whether another network has an endpoint record for (netns, ifname). */
  private claimedElsewhere(name: string, netns: string, ifname: string): boolean {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.stateDir, 'endpoints'));
    } catch {
      return false;
    }
    return names.some((other) => other !== name && fs.existsSync(this.paths.endpoint(other, netns, ifname)));
  }

  private endpoints(name: string): Array<NetworkEndpoint | PendingEndpoint> {
    return listJson(this.paths.endpoints(name))
      .map((file) => readJson<NetworkEndpoint | PendingEndpoint>(file))
      .filter((e): e is NetworkEndpoint | PendingEndpoint => e !== undefined);
  }

  private store(definition: NetworkDefinition): HostLocalStore {
    return new HostLocalStore(definition.name, ipamConfig(definition, this.paths.ipam()));
  }

  /** The endpoint records and IPAM state of a network. */
  private clearState(name: string): void {
    fs.rmSync(this.paths.endpoints(name), { recursive: true, force: true });
    fs.rmSync(path.join(this.paths.ipam(), name), { recursive: true, force: true });
  }

  /** The handle given, or one opened (once) in the namespace the network's parent lives in. */
  private handleFor(definition: Pick<NetworkDefinition, 'parentNetns'>): Promise<Handle> {
    if (this.options.handle) return Promise.resolve(this.options.handle);
    const key = definition.parentNetns ?? '';
    let handle = this.opened.get(key);
    if (!handle) {
      handle = open(definition.parentNetns === undefined ? {} : { netns: definition.parentNetns });
      this.opened.set(key, handle);
      handle.catch(() => this.opened.delete(key));
    }
    return handle;
  }
}
