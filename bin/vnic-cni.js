#!/usr/bin/env node
// vnic-cni as an npm bin, for installs without the native client
// (build/Release/vnic-cni, which is faster: it never starts Node). The same
// behaviour: VERSION answered at once, without loading anything else; other
// calls forwarded to vnicd (lib/cni/protocol.ts); with no daemon listening,
// the call runs in this process.
'use strict';

if (process.env.CNI_COMMAND === 'VERSION') {
  process.stdout.write(require('../dist/lib/cni/version.js').VERSION_RESULT);
} else {
  forward();
}

function forward() {
  const net = require('net');
  const protocol = require('../dist/lib/cni/protocol.js');
  const socketPath = protocol.socketPathFrom(process.env);

  let settled = false;
  const fail = (msg, details) => {
    if (settled) return;
    settled = true;
    process.stdout.write(protocol.transportErrorJson(`vnic-cni: ${msg}`, details), () => process.exit(1));
  };

  const raw = process.env.VNIC_CNI_TIMEOUT;
  const seconds = raw === undefined || raw === '' ? 60 : Number(raw);
  if (!(seconds > 0 && seconds <= 86400)) {
    fail('VNIC_CNI_TIMEOUT must be a number of seconds between 0 and 86400', raw);
    return;
  }

  let connected = false;
  const answer = [];
  const socket = net.connect(socketPath);
  const timer = setTimeout(() => {
    socket.destroy();
    fail('the daemon did not answer in time', `socket ${socketPath}; VNIC_CNI_TIMEOUT sets the limit in seconds`);
  }, seconds * 1000);

  socket.once('connect', () => {
    connected = true;
    // stdin is read only now: had no daemon answered, the in-process path would need all of it.
    const input = [];
    process.stdin.on('data', (chunk) => input.push(chunk));
    process.stdin.on('end', () => {
      socket.end(protocol.encodeRequest(protocol.forwardedEnv(process.env), Buffer.concat(input)));
    });
    process.stdin.on('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      fail('cannot read stdin', error.message);
    });
  });
  socket.on('data', (chunk) => answer.push(chunk));
  socket.on('error', (error) => {
    if (!connected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) {
      clearTimeout(timer);
      inProcess();
      return;
    }
    // After connecting, a reset means the daemon died: 'close' reports what did (not) arrive.
    if (!connected) {
      clearTimeout(timer);
      fail('cannot connect to the daemon', `${error.message} (socket ${socketPath})`);
    }
  });
  socket.on('close', () => {
    if (!connected || settled) return;
    clearTimeout(timer);
    let response;
    try {
      response = protocol.decodeResponse(Buffer.concat(answer));
    } catch (error) {
      fail(error.message, `socket ${socketPath}`);
      return;
    }
    settled = true;
    process.stdout.write(response.stdout, () => process.exit(response.exitCode));
  });
}

/** No daemon: the in-process entry, as `node dist/lib/cni/main.js` would run it. */
function inProcess() {
  require('../dist/lib/cni/main.js');
}
