// Every size a caller controls is bounded before anything is sent (lib/limits.ts
// says why each bound is what it is): names, aliases, source MAC lists, the
// addresses / routes / sysctls of an attach, delMany, sysctl values, the
// engine's message buffer, and the lines of `vnic -batch`. Each refusal is a
// VnicError naming the option; nothing reaches the kernel (the request path is
// spied on) and nothing changes. The largest allowed value is shown to work.
import { Readable } from 'stream';

import { Handle, VnicError, limits } from 'vnic';
import { main } from '../lib/cli/main';
import { Sandbox } from './helpers/sandbox';

let sb: Sandbox;
let nl: Handle;

beforeAll(async () => {
  sb = await Sandbox.create('bnd', 'ctr');
  nl = await sb.handle('bnd');
  await nl.link.add({ name: 'bp0', kind: 'veth', peer: { name: 'bp0p' }, up: true });
});

afterAll(async () => {
  await sb.cleanup();
});

/**
 * The error a call rejects with, after checking that it sent nothing — or,
 * where the call must read the link first (a kind change on link.set reads
 * it, as every such change does), nothing but that read.
 */
async function refusal(handle: Handle, call: () => Promise<unknown>, reads: 'none' | 'link.get' = 'none'): Promise<VnicError> {
  const spy = jest.spyOn(handle.requester, 'request');
  try {
    const error = await call().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(VnicError);
    if (reads === 'none') expect(spy).not.toHaveBeenCalled();
    else expect(spy.mock.calls.filter(([op]) => op !== reads)).toEqual([]);
    return error as VnicError;
  } finally {
    spy.mockRestore();
  }
}

const mac = (i: number) => `02:00:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const macs = (n: number, from = 1) => Array.from({ length: n }, (_, i) => mac(from + i));

test('link names: 15 bytes at most (IFNAMSIZ), counted in bytes', async () => {
  await expect(nl.link.add({ name: 'n'.repeat(15), kind: 'veth', peer: { name: 'np' } })).resolves.toMatchObject({ name: 'n'.repeat(15) });
  for (const name of ['n'.repeat(16), 'é'.repeat(8)]) {
    const error = await refusal(nl, () => nl.link.add({ name, kind: 'veth', peer: { name: 'np2' } }));
    expect(error).toMatchObject({ code: 'EINVAL', field: 'name', message: expect.stringContaining('at most 15') });
  }
  const peer = await refusal(nl, () => nl.link.add({ name: 'ok0', kind: 'veth', peer: { name: 'p'.repeat(16) } }));
  expect(peer.field).toMatch(/peer/);
  const rename = await refusal(nl, () => nl.link.set('bp0', { name: 'r'.repeat(16) }));
  expect(rename).toMatchObject({ field: 'name' });
  await nl.link.del('n'.repeat(15));
  expect(limits.MAX_LINK_NAME_BYTES).toBe(15);
});

test('alias: 255 bytes at most (IFALIASZ), counted in bytes', async () => {
  const longest = 'a'.repeat(limits.MAX_ALIAS_BYTES);
  await nl.link.set('bp0', { alias: longest });
  expect((await nl.link.get('bp0')).alias).toBe(longest);
  for (const alias of ['a'.repeat(256), 'é'.repeat(128)]) {
    const error = await refusal(nl, () => nl.link.set('bp0', { alias }));
    expect(error).toMatchObject({ code: 'EINVAL', field: 'alias', message: expect.stringContaining('at most 255 bytes') });
  }
  expect((await nl.link.get('bp0')).alias).toBe(longest);
});

test('source MAC lists: 4096 in one request and on one link; more is refused before sending, naming the option', async () => {
  const max = limits.MAX_SOURCE_MACS;
  // The largest list: one request of ~49 KiB, read back whole.
  const made = await nl.link.add({ name: 'ms0', kind: 'macvlan', link: 'bp0', mode: 'source', macaddr: macs(max) });
  expect(made.info).toMatchObject({ macaddrCount: max });
  expect((await nl.link.get('ms0')).info).toMatchObject({ macaddrCount: max, macaddr: expect.arrayContaining([mac(1), mac(max)]) });
  const tooLong = await refusal(nl, () => nl.link.add({ name: 'ms1', kind: 'macvlan', link: 'bp0', mode: 'source', macaddr: macs(max + 1) }));
  expect(tooLong).toMatchObject({ code: 'EINVAL', field: 'macaddr', message: expect.stringContaining(`at most ${max}`) });
  expect(await nl.link.find('ms1')).toBeUndefined();
  const setTooLong = await refusal(nl, () => nl.link.set(made.index, { macaddr: { set: macs(max + 1) } }), 'link.get');
  expect(setTooLong).toMatchObject({ field: 'macaddr.set' });
  // Additions past the bound: the link's current count is read first (one get), then nothing is sent.
  const addPast = await refusal(nl, () => nl.link.set('ms0', { macaddr: { add: [mac(max + 1)] } }), 'link.get');
  expect(addPast).toMatchObject({ code: 'EINVAL', field: 'macaddr.add', message: expect.stringContaining(`${max} + 1`) });
  expect((await nl.link.get('ms0')).info).toMatchObject({ macaddrCount: max });
  // After a flush, the same addition fits.
  await nl.link.set('ms0', { macaddr: { flush: true, add: [mac(max + 1)] } });
  expect((await nl.link.get('ms0')).info).toMatchObject({ macaddrCount: 1 });
  await nl.link.del('ms0');
});

test('attach: at most 64 addresses, 64 routes (gateways included) and 64 sysctls; sysctl values of one page', async () => {
  const ctr = sb.ns('ctr');
  const base = { netns: ctr, link: 'bp0', ifname: 'eth0' };
  const addresses = Array.from({ length: limits.MAX_ATTACH_ADDRESSES + 1 }, (_, i) => `10.60.${i}.2/24`);
  const routes = Array.from({ length: limits.MAX_ATTACH_ROUTES }, (_, i) => ({ dst: `10.61.${i}.0/24`, via: '10.60.0.1' }));
  const sysctls = Object.fromEntries(Array.from({ length: limits.MAX_ATTACH_SYSCTLS + 1 }, (_, i) => [`net.ipv4.conf.eth0.knob${i}`, '1']));
  const cases: Array<[string, object, string, string]> = [
    ['addresses', { addresses }, 'E2BIG', 'addresses'],
    ['routes', { addresses: ['10.60.0.2/24'], gateway: '10.60.0.1', routes }, 'E2BIG', 'routes'],
    ['sysctls', { sysctls }, 'E2BIG', 'sysctls'],
    ['a sysctl value', { sysctls: { 'net.ipv4.conf.eth0.arp_notify': '1'.repeat(limits.MAX_SYSCTL_VALUE_BYTES + 1) } }, 'EINVAL', 'sysctls.net.ipv4.conf.eth0.arp_notify'],
  ];
  for (const [what, extra, code, field] of cases) {
    const error = await refusal(nl, () => nl.attach({ ...base, ...extra }));
    expect([what, error]).toEqual([what, expect.objectContaining({ code, field })]);
  }
  const inside = await sb.handle('ctr');
  expect((await inside.link.list()).map((l) => l.name)).toEqual(['lo']);
  // The largest allowed attach: 64 addresses, 64 routes.
  const attached = await nl.attach({
    ...base, addresses: addresses.slice(0, limits.MAX_ATTACH_ADDRESSES), routes: routes.slice(0, limits.MAX_ATTACH_ROUTES - 1), gateway: '10.60.0.1',
  });
  expect(attached.addresses).toHaveLength(limits.MAX_ATTACH_ADDRESSES);
  expect((await inside.addr.list({ link: 'eth0' })).filter((a) => a.family === 4)).toHaveLength(limits.MAX_ATTACH_ADDRESSES);
  await nl.detach({ netns: ctr, ifname: 'eth0' });
});

test('delMany: at most 4096 links in one unregister batch; more is refused before the dump', async () => {
  const refs = Array.from({ length: limits.MAX_DELMANY_LINKS + 1 }, (_, i) => `gone${i}`);
  const error = await refusal(nl, () => nl.link.delMany(refs));
  expect(error).toMatchObject({ code: 'E2BIG', field: 'links', message: expect.stringContaining('split the set') });
  await expect(nl.link.delMany(refs.slice(0, limits.MAX_DELMANY_LINKS))).resolves.toMatchObject({ deleted: [] });
});

test("the engine's last line: a request past its 64 KiB buffer is a VnicError (EMSGSIZE), and nothing is sent", async () => {
  const rq = nl.requester;
  const pending = rq.pending;
  const error = await rq.request('link.set', { name: 'bp0', alias: 'x'.repeat(limits.MAX_REQUEST_BYTES) }).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(VnicError);
  expect(error).toMatchObject({ code: 'EMSGSIZE', op: 'link.set', message: expect.stringContaining('nothing was sent') });
  expect(rq.pending).toBe(pending);
  expect((await nl.link.get('bp0')).alias).toBe('a'.repeat(limits.MAX_ALIAS_BYTES));
});

describe('vnic -batch: lines of at most 1 MiB', () => {
  async function batch(input: Buffer | string, force: boolean) {
    let out = '';
    let err = '';
    const code = await main(['-n', sb.ns('bnd'), ...(force ? ['-force'] : []), '-batch', '-'], {
      stdout: (text) => { out += text; },
      stderr: (text) => { err += text; },
      // In pieces, as a pipe delivers it: the long line never arrives whole.
      stdin: Readable.from((function* () {
        const bytes = Buffer.from(input);
        for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
      })()),
    });
    return { code, out, err };
  }

  test('an over-long line fails its own line; -force runs the rest', async () => {
    const long = `link set bp0 alias ${'z'.repeat(limits.MAX_BATCH_LINE_BYTES)}`;
    const input = `link add bt1 type dummy\n${long}\nlink add bt2 link bp0 type macvlan\r\n`;
    const run = await batch(input, true);
    expect(run.err).toContain(`Error: the line is ${Buffer.byteLength(long)} bytes; a batch line holds at most ${limits.MAX_BATCH_LINE_BYTES}`);
    expect(run.err).toContain('Command failed -:2');
    expect(run.code).toBe(1);
    expect(await nl.link.find('bt2')).toMatchObject({ name: 'bt2', kind: 'macvlan' });
    await nl.link.delMany(['bt2', ...((await nl.link.find('bt1')) ? ['bt1'] : [])]);
  });

  test('without -force the batch stops at it; a line of exactly the bound runs', async () => {
    const command = 'link add bt3 link bp0 type macvlan';
    const exact = command + ' '.repeat(limits.MAX_BATCH_LINE_BYTES - command.length);
    expect(Buffer.byteLength(exact)).toBe(limits.MAX_BATCH_LINE_BYTES);
    const run = await batch(`${exact}\n${'q'.repeat(limits.MAX_BATCH_LINE_BYTES + 1)}\nlink add bt4 link bp0 type macvlan\n`, false);
    expect(run.err).toBe(`Error: the line is ${limits.MAX_BATCH_LINE_BYTES + 1} bytes; a batch line holds at most ${limits.MAX_BATCH_LINE_BYTES}\nCommand failed -:2\n`);
    expect(run.code).toBe(1);
    expect(await nl.link.find('bt3')).toMatchObject({ kind: 'macvlan' });
    expect(await nl.link.find('bt4')).toBeUndefined();
    await nl.link.del('bt3');
  });

  test('a batch file: the same bound, line by line', async () => {
    const fs = await import('fs');
    const os = await import('os');
    const path = await import('path');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vnic-bounds-')), 'long.batch');
    fs.writeFileSync(file, `${'q'.repeat(limits.MAX_BATCH_LINE_BYTES + 5)}\nlink add bt5 link bp0 type macvlan\n`);
    let err = '';
    const code = await main(['-n', sb.ns('bnd'), '-force', '-batch', file], {
      stdout: () => undefined, stderr: (text) => { err += text; }, stdin: Readable.from([]),
    });
    expect(err).toBe(`Error: the line is ${limits.MAX_BATCH_LINE_BYTES + 5} bytes; a batch line holds at most ${limits.MAX_BATCH_LINE_BYTES}\nCommand failed ${file}:1\n`);
    expect(code).toBe(1);
    expect(await nl.link.find('bt5')).toMatchObject({ kind: 'macvlan' });
    await nl.link.del('bt5');
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
