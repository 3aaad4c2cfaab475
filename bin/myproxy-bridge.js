#!/usr/bin/env node
import '../build/bridge/main.js';
