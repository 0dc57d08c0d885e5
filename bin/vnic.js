#!/usr/bin/env node
// The vnic command: the compiled CLI (npm run build compiles lib/ into dist/lib).
'use strict';
require('../dist/lib/cli/main.js').run();
