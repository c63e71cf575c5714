#!/usr/bin/env node
// The `keyward` command: runs the compiled CLI (dist/ is built by `npm run build`, and by `npm ci` via `prepare`).
import '../dist/cli/main.js';
