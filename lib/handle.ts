// A handle: one netlink socket bound to one network namespace, with the
// link, address and route APIs over it.
import { AddrApi } from './addr';
import { Attacher } from './attach';
import type { AttachOptions, Attachment, DetachOptions } from './attach';
import { Requester, openRequester } from './engine';
import type { OpenOptions } from './engine';
import { TuntapApi } from './kinds/tun';
import { LinkApi } from './link';
import { RouteApi } from './route';
import { Monitor } from './monitor';
import type { MonitorObject, MonitorOptions } from './monitor';
import { NamespaceCache } from './namespaces';
import { withNetnsFdSync } from './netns';
import type { NetnsTarget } from './netns';

export type { OpenOptions } from './engine';

export class Handle {
  readonly link: LinkApi;
  readonly addr: AddrApi;
  readonly route: RouteApi;
  /** tun / tap devices (`ip tuntap`): made through /dev/net/tun, not rtnetlink. */
  readonly tuntap: TuntapApi;
  private readonly namespaces = new NamespaceCache((fd) => open({ netns: { fd } }));
  private readonly attacher: Attacher;

  /** @param requester the engine (internal: attach pipelines raw steps through it). */
  constructor(readonly requester: Requester, readonly netns: NetnsTarget | undefined) {
    const elsewhere = async (target: NetnsTarget) => {
      const handle = await open({ netns: target });
      return Object.assign(handle.link, { close: () => handle.close() });
    };
    this.link = new LinkApi(requester, elsewhere);
    this.addr = new AddrApi(requester, this.link);
    this.route = new RouteApi(requester, this.link);
    this.tuntap = new TuntapApi(this.link, netns);
    this.attacher = new Attacher(requester, this.link, this.namespaces);
  }

  /**
   * Gives a namespace an interface on a parent link here — created inside
   * it, renamed, addressed, routed and up — all or nothing.
   */
  attach(options: AttachOptions): Promise<Attachment> {
    return this.attacher.attach(options);
  }

  /** Many attaches, pipelined; if one fails, the others are undone. */
  attachMany(list: AttachOptions[]): Promise<Attachment[]> {
    return this.attacher.attachMany(list);
  }

  /** Removes an interface from a namespace; idempotent (false when nothing was there). */
  detach(options: DetachOptions): Promise<boolean> {
    return this.attacher.detach(options);
  }

  /** The kernel's link / address / route notifications, as typed events. */
  monitor(objects: MonitorObject[], options: MonitorOptions = {}): Monitor {
    return withNetnsFdSync('monitor', this.netns, (fd) => new Monitor(objects, fd, options));
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.requester.pending;
  }

  /** Closes the socket (and those opened for attach); whatever is still pending rejects with ECANCELED. */
  close(): void {
    this.requester.close();
    void this.namespaces.close();
  }
}

/** Opens a handle in the caller's namespace, or in options.netns. */
export async function open(options: OpenOptions = {}): Promise<Handle> {
  return new Handle(await openRequester(options), options.netns);
}
