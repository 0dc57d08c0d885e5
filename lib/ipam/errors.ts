// The one error type of the IPAM: what kind of failure (so that callers such
// as the CNI plugin can map it to their own codes) and where it happened.

export type IpamErrorCode = 'exhausted' | 'requested-unavailable' | 'bad-config' | 'io';

export interface IpamErrorDetails {
  /** The configuration key (or argument) that was refused: 'ranges[0][1].subnet', 'requested', … */
  field?: string;
  /** The file the store was reading or writing. */
  file?: string;
  /** The address concerned. */
  address?: string;
  /** The index of the range set concerned. */
  rangeSet?: number;
}

export class IpamError extends Error {
  readonly code: IpamErrorCode;
  readonly field?: string;
  readonly file?: string;
  readonly address?: string;
  readonly rangeSet?: number;

  constructor(code: IpamErrorCode, message: string, details: IpamErrorDetails = {}) {
    super(message);
    this.name = 'IpamError';
    this.code = code;
    this.field = details.field;
    this.file = details.file;
    this.address = details.address;
    this.rangeSet = details.rangeSet;
  }
}

/** A configuration problem, naming the key. */
export function badConfig(field: string, problem: string): IpamError {
  return new IpamError('bad-config', `${field}: ${problem}`, { field });
}

/** A failed filesystem call, naming the file and the system's reason. */
export function ioError(action: string, file: string, cause: unknown): IpamError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new IpamError('io', `cannot ${action} ${file}: ${reason}`, { file });
}
