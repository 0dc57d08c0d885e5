// The CNI spec versions vnic-cni speaks, and VERSION's answer. This file
// imports nothing: main.ts and the C client answer VERSION from it without
// loading the addon (a runtime asks VERSION once per process, on its hot path).

/** Every spec version a configuration may name, oldest first. */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version vnic-cni implements (its results are 1.1.0 results, shaped down for older configs). */
export const IMPLEMENTED_VERSION: CniVersion = '1.1.0';

/** What CNI_COMMAND=VERSION prints, byte for byte (no newline, like the reference plugins). */
export const VERSION_RESULT: string = JSON.stringify({ cniVersion: IMPLEMENTED_VERSION, supportedVersions: SUPPORTED_VERSIONS });

export function isSupportedVersion(version: string): version is CniVersion {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(version);
}

/**
 * Orders two dotted versions numerically ('0.10.0' after '0.4.0'); a part
 * that is not a number counts as 0. Negative when a < b.
 */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map((part) => parseInt(part, 10) || 0);
  const right = b.split('.').map((part) => parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether `version` is `floor` or later. */
export function atLeast(version: string, floor: string): boolean {
  return compareVersions(version, floor) >= 0;
}
