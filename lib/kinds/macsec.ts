// macsec: IEEE 802.1AE — encryption and integrity for everything on a link,
// ARP, ND and DHCP included, not just IP. vnic creates and configures the
// SecY; its keys (TX / RX secure associations) and receive channels are set
// through the kernel's "macsec" generic-netlink family, which vnic does not
// speak: use `ip macsec add …` (or wpa_supplicant / MKA) for those.
import { invalid } from '../errors';
import type { LinkAddCommon, LinkRef } from '../types';
import { Check, bool, int, oneOf, pick, refusedSecret, tableCodec } from './options';
import type { OptionTable } from './options';

export const MACSEC_CIPHERS = ['gcm-aes-128', 'gcm-aes-256', 'gcm-aes-xpn-128', 'gcm-aes-xpn-256'] as const;
export type MacsecCipher = (typeof MACSEC_CIPHERS)[number];
export const MACSEC_VALIDATE = ['disabled', 'check', 'strict'] as const;
export type MacsecValidate = (typeof MACSEC_VALIDATE)[number];

/** macsec options, named as `ip link add … type macsec` names them (camelCase). */
export interface MacsecOptions {
  /** The SCI's port (1–65535); the address part is the link's MAC. */
  port?: number;
  /** The whole SCI, 16 hex digits ("5254001234560001"); instead of `port`. */
  sci?: string;
  cipher?: MacsecCipher;
  /** ICV length in bytes, 8–16. */
  icvlen?: number;
  encrypt?: boolean;
  /** Include the SCI in every frame (`send_sci`). */
  sendSci?: boolean;
  /** `end_station`. */
  endStation?: boolean;
  /** Single copy broadcast. */
  scb?: boolean;
  /** Protect (authenticate) frames at all. */
  protect?: boolean;
  /** Replay protection; needs `window`. */
  replay?: boolean;
  /** Replay window, in packets. */
  window?: number;
  validate?: MacsecValidate;
  /** The active TX association, 0–3. */
  encodingsa?: number;
  /**
   * Refused: keys belong to the secure associations, set through the
   * kernel's "macsec" generic-netlink family (`ip macsec add … key …`, or
   * MKA). The error never shows the value.
   */
  key?: string;
}

export interface MacsecAddOptions extends LinkAddCommon, MacsecOptions {
  kind: 'macsec';
  link: LinkRef;
}

/** What the kernel lets `ip link set … type macsec` change (not the SCI, port, cipher or ICV length). */
export type MacsecSetOptions = Omit<MacsecOptions, 'port' | 'sci' | 'cipher' | 'icvlen'>;

const KEY_REFUSED = refusedSecret("macsec keys belong to the secure associations, which vnic does not set: use 'ip macsec add DEV tx sa N … key ID KEY' or MKA");

export interface MacsecInfo extends Omit<MacsecOptions, 'cipher' | 'validate' | 'key'> {
  /** A suite vnic does not know comes back as its hex id. */
  cipher?: MacsecCipher | string;
  validate?: MacsecValidate | number;
  offload?: 'off' | 'phy' | 'mac' | number;
}

const sci: Check = (op, field, value) => {
  if (typeof value !== 'string' || !/^(0x)?[0-9a-f]{16}$/i.test(value)) {
    throw invalid(op, field, `'${String(value)}' is not an SCI (16 hex digits: the MAC address, then the port)`);
  }
  return Buffer.from(value.replace(/^0x/i, ''), 'hex');
};

const OPTIONS: OptionTable = {
  port: int(1, 0xffff),
  sci,
  cipher: oneOf(MACSEC_CIPHERS),
  icvlen: int(8, 16),
  encrypt: bool,
  sendSci: bool,
  endStation: bool,
  scb: bool,
  protect: bool,
  replay: bool,
  window: int(0, 0xffffffff),
  validate: oneOf(MACSEC_VALIDATE),
  encodingsa: int(0, 3),
  key: KEY_REFUSED,
};

export const macsec = tableCodec({
  kinds: ['macsec'],
  add: OPTIONS,
  set: pick(OPTIONS, ['encrypt', 'sendSci', 'endStation', 'scb', 'protect', 'replay', 'window', 'validate', 'encodingsa', 'key']),
  needsParent: true,
  // iproute2's rules.
  adjust(info, op) {
    if (info.port !== undefined && info.sci !== undefined) throw invalid(op, 'sci', 'give port or sci, not both');
    if (info.sendSci === true && (info.endStation === true || info.scb === true)) {
      throw invalid(op, 'sendSci', 'send_sci excludes end_station and scb');
    }
    if (info.endStation === true && info.scb === true) throw invalid(op, 'scb', 'end_station excludes scb');
    if (info.window !== undefined && info.replay === undefined) {
      throw invalid(op, 'window', 'a replay window needs replay: true (or false)');
    }
    if (info.replay === true && info.window === undefined) throw invalid(op, 'window', 'replay protection needs a window, e.g. window: 32');
  },
});
