// What a kind module gives the link API: its option names, how they become
// the addon's IFLA_INFO_DATA spec, and how to explain the kernel's refusals.
import type { VnicError } from '../errors';
import type { NetnsTarget } from '../netns';
import type { Link, LinkRef } from '../types';

export interface KindContext {
  /** The operation, for error messages: 'link.add', 'link.set'. */
  op: string;
  /** An fd for a namespace, open until the request settles. */
  netnsFd(target: NetnsTarget): Promise<number>;
  /**
   * The index of a link named in a kind option (vxlan `dev`, bond `primary`);
   * ENODEV names the option. Absent where nothing can be looked up.
   */
  linkIndex?(field: string, ref: LinkRef): Promise<number>;
}

/** Lets explain() look around the kernel's state after a failure. */
export interface ExplainContext {
  op: 'link.add' | 'link.set';
  /** The link's name (or index) as the caller gave it. */
  target: string;
  /** The caller's options. */
  options: Record<string, unknown>;
  get(ref: string | number): Promise<Link | undefined>;
  list(): Promise<Link[]>;
}

export interface KindCodec {
  /** IFLA_INFO_KIND names this module serves. */
  readonly kinds: readonly string[];
  /** Kind options on add (besides the common ones). */
  readonly addKeys: readonly string[];
  /** Kind options on set. */
  readonly setKeys: readonly string[];
  /** Whether add needs a parent link (`link:`). */
  readonly needsParent: boolean;
  /** The addon's IFLA_INFO_DATA spec for a create (at once when it needs no lookup). */
  encodeAdd(options: Record<string, unknown>, ctx: KindContext): object | undefined | Promise<object | undefined>;
  /** One IFLA_INFO_DATA spec per request that a change needs; `current` is the link as it is. */
  encodeSet(options: Record<string, unknown>, ctx: KindContext, current: Link): object[] | Promise<object[]>;
  /** A clearer error for a terse kernel answer. */
  explain?(error: VnicError, ctx: ExplainContext): Promise<VnicError>;
  /** Fills in what the kernel does not report. */
  decorate?(link: Link): void;
}
