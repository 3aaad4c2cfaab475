#!/usr/bin/env node
// CommonJS like every file in bin/ (bin/package.json); the bridge itself is an ES module.
import('../build/bridge/main.js');
