// The package as users get it: require('<repo root>') after the build, the
// typings, and the prebuilt N-API binary (node-gyp-build's fallback).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');

test("require('<repo root>') gives the public API", () => {
  const out = execFileSync(process.execPath, ['-e', `
    const vnic = require(${JSON.stringify(root)});
    console.log(JSON.stringify({ keys: Object.keys(vnic), open: typeof vnic.open, add: typeof vnic.netns.add, modes: vnic.MACVLAN_MODES }));
  `], { encoding: 'utf8' });
  const api = JSON.parse(out) as { keys: string[]; open: string; add: string; modes: string[] };
  expect(api.keys).toEqual(expect.arrayContaining(['Handle', 'MACVLAN_MODES', 'VnicError', 'errnoCode', 'netns', 'open', 'randomMac']));
  expect(api).toMatchObject({ open: 'function', add: 'function', modes: ['private', 'vepa', 'bridge', 'passthru', 'source'] });
});

test('the typings are emitted beside the code', () => {
  const typings = fs.readFileSync(path.join(root, 'dist', 'lib', 'index.d.ts'), 'utf8');
  for (const name of ['open', 'netns', 'VnicError', 'Link', 'MacvlanAddOptions', 'LinkChange', 'Address']) {
    expect(typings).toContain(name);
  }
});

test('the prebuilt binary loads and answers a request', () => {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  const out = execFileSync(process.execPath, ['-e', `
    const { NetlinkSocket } = require(${JSON.stringify(path.join(dir, file))});
    const socket = new NetlinkSocket((batch) => { console.log(batch[2][0].name); socket.close(); });
    socket.request('link.get', { index: 1 });
  `], { encoding: 'utf8', timeout: 10000 });
  expect(out.trim()).toBe('lo');
});

test('the prebuilt binary is not behind the source: it knows every request lib/ makes', () => {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.node'));
  const ops = fs.readdirSync(path.join(root, 'native'), { recursive: true } as { recursive: true })
    .filter((f) => String(f).endsWith('.cc'))
    .flatMap((f) => [...fs.readFileSync(path.join(root, 'native', String(f)), 'utf8').matchAll(/"((?:link|addr|route)\.(?:add|set|del|get|dump|replace))"/g)].map((m) => m[1]));
  expect(ops.length).toBeGreaterThan(10);
  const out = execFileSync(process.execPath, ['-e', `
    const binding = require(${JSON.stringify(path.join(dir, file))});
    const refused = ${JSON.stringify([...new Set(ops)])}.filter((op) => {
      try { binding.NetlinkSocket.encode(op, {}); return false; } catch { return true; }
    });
    console.log(JSON.stringify({ refused, exports: Object.keys(binding).sort() }));
  `], { encoding: 'utf8' });
  const result = JSON.parse(out) as { refused: string[]; exports: string[] };
  expect(result.refused).toEqual([]);
  expect(result.exports).toEqual(Object.keys(require(path.join(root, 'build', 'Release', 'vnic.node'))).sort());
});
