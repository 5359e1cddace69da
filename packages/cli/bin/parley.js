#!/usr/bin/env node
// A committed shim so npm links the `parley` bin before the first build.
import { main } from '../dist/program.js';

process.exitCode = await main(process.argv);
