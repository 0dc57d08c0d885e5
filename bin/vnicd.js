#!/usr/bin/env node
// vnicd: the resident CNI daemon (lib/cni/daemon.ts, compiled into dist/).
// The vnic-cni client forwards each CNI call to it over a unix socket.
'use strict';
const { parseArgs } = require('util');

const USAGE = `usage: vnicd [--socket PATH] [--netns NS]

Serves CNI calls for the vnic-cni plugin client on a unix socket.
  --socket PATH  where to listen (default: $VNIC_CNI_SOCKET, else /run/vnic/cni.sock;
                 the directory is created 0700, the socket is 0600)
  --netns NS     work from this network namespace (a name under /run/netns or a path)
                 instead of the daemon's own: where the plugins' master links live
  -h, --help     this text
SIGTERM / SIGINT stop it gracefully: calls in flight finish and answer first.
VNIC_DEBUG=1 logs one line per call to stderr.`;

function say(line) {
  process.stderr.write(`vnicd: ${line}\n`);
}

function parse(argv) {
  try {
    return parseArgs({
      args: argv,
      options: { socket: { type: 'string' }, netns: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    say(error.message);
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
}

async function main() {
  const args = parse(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { startDaemon } = require('../dist/lib/cni/daemon.js');
  const daemon = await startDaemon({
    socketPath: args.socket,
    hostNetns: args.netns,
    handleSignals: true,
    log: say,
    debug: Boolean(process.env.VNIC_DEBUG),
  });
  say(`listening on ${daemon.address} (pid ${process.pid}${args.netns ? `, netns ${args.netns}` : ''})`);
  await daemon.closed;
  say('stopped');
  process.exit(0);
}

main().catch((error) => {
  say(error && error.message ? error.message : String(error));
  process.exit(1);
});
