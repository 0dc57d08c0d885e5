// resolvConf → the result's dns, read as host-local reads it: nameserver,
// domain, search and options lines; comments (# or ;) and the rest skipped.
import { promises as fsp } from 'fs';

import { IpamError } from './errors';
import type { IpamDns } from './types';

export function parseResolvConfText(text: string): IpamDns {
  const dns: IpamDns = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const [key, ...values] = line.split(/\s+/);
    if (values.length === 0) continue;
    if (key === 'nameserver') (dns.nameservers ??= []).push(values[0]);
    else if (key === 'domain') dns.domain = values[0];
    else if (key === 'search') (dns.search ??= []).push(...values);
    else if (key === 'options') (dns.options ??= []).push(...values);
  }
  return dns;
}

export async function readResolvConf(file: string): Promise<IpamDns> {
  try {
    return parseResolvConfText(await fsp.readFile(file, 'utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new IpamError('io', `resolvConf: cannot read ${file}: ${reason}`, { field: 'resolvConf', file });
  }
}
