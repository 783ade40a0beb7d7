#!/usr/bin/env node
/** tsbgpctl entry point: the control socket and its commands come with the control issue. */

console.error('tsbgpctl: not yet: the control socket is not built yet.');
process.exitCode = 2;
