// The CNI error: what a plugin prints on stdout (with exit status 1) when a
// call fails — {"code", "msg", "details"?} — with the spec's well-known codes.

/** The spec's well-known error codes (CNI SPEC "Error"). */
export const CNI_ERROR = {
  /** The configuration's cniVersion is not one the plugin supports, or the command needs a later one. */
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  /** A CNI_* variable is missing or malformed (CNI_IFNAME too long, CNI_CONTAINERID with spaces, …). */
  invalidEnvironment: 4,
  ioFailure: 5,
  /** The configuration is not JSON (or a field has the wrong JSON type for decoding). */
  decodingFailure: 6,
  /** The configuration is JSON but invalid: no or bad network name, a bad field value. */
  invalidConfig: 7,
  /** CNI_NETNS is unusable (it is the plugin's own namespace). */
  invalidNetns: 8,
  tryAgainLater: 11,
  /** STATUS: the plugin can't serve ADD now (no master). */
  pluginNotAvailable: 50,
  limitedConnectivity: 51,
  /** Everything else: a kernel refusal, an exhausted range, a missing master. */
  internal: 999,
} as const;

export type CniErrorCode = number;

/** The JSON a failed call prints. */
export interface CniErrorJson {
  code: CniErrorCode;
  msg: string;
  details?: string;
}

export class CniError extends Error {
  readonly code: CniErrorCode;
  readonly msg: string;
  readonly details?: string;

  constructor(code: CniErrorCode, msg: string, details?: string) {
    super(details ? `${msg} (${details})` : msg);
    this.name = 'CniError';
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  /** Key order as the reference prints it: code, msg, details. */
  toJSON(): CniErrorJson {
    return this.details ? { code: this.code, msg: this.msg, details: this.details } : { code: this.code, msg: this.msg };
  }
}

/** Any failure as a CniError: ours pass through, anything else is code 999 with its message. */
export function toCniError(error: unknown): CniError {
  if (error instanceof CniError) return error;
  if (error instanceof Error) return new CniError(CNI_ERROR.internal, error.message);
  return new CniError(CNI_ERROR.internal, String(error));
}
