// A handle: one netlink socket bound to one network namespace, with the
// link, address and route APIs over it.
import { AddrApi } from './addr';
import { Requester, openRequester } from './engine';
import type { OpenOptions } from './engine';
import { LinkApi } from './link';
import { RouteApi } from './route';
import type { NetnsTarget } from './netns';

export type { OpenOptions } from './engine';

export class Handle {
  readonly link: LinkApi;
  readonly addr: AddrApi;
  readonly route: RouteApi;

  constructor(private readonly requester: Requester, readonly netns: NetnsTarget | undefined) {
    const elsewhere = async (target: NetnsTarget) => {
      const handle = await open({ netns: target });
      return Object.assign(handle.link, { close: () => handle.close() });
    };
    this.link = new LinkApi(requester, elsewhere);
    this.addr = new AddrApi(requester, this.link);
    this.route = new RouteApi(requester, this.link);
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.requester.pending;
  }

  /** Closes the socket; whatever is still pending rejects with ECANCELED. */
  close(): void {
    this.requester.close();
  }
}

/** Opens a handle in the caller's namespace, or in options.netns. */
export async function open(options: OpenOptions = {}): Promise<Handle> {
  return new Handle(await openRequester(options), options.netns);
}
