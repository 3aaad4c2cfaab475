#!/usr/bin/env node
import '../build/cli/run.js';
