#!/usr/bin/env -S node --no-concurrent-array-buffer-sweeping --initial-old-space-size=128
// A committed shim so npm links the `parley` bin before the first build.
import { main } from '../dist/program.js';

process.exitCode = await main(process.argv);
