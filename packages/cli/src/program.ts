/** The `parley` command: a thin layer of argument parsing over the libraries. */
import { Command, CommanderError } from 'commander';
import { registerCircuitCommands } from './commands/circuit.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerJobCommands } from './commands/job.js';
import { registerLedgerCommands } from './commands/ledger.js';
import { registerNodeCommands } from './commands/node.js';
import { registerSetupCommands } from './commands/setup.js';
import { reportError } from './report.js';

/** Runs the CLI on `argv` (as in `process.argv`) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('parley')
    .description('Parley: privacy-preserving analytics on secure multiparty computation')
    .exitOverride()
    .showHelpAfterError();
  // Each command group registers itself here, one line each.
  registerCircuitCommands(program);
  registerDemoCommand(program);
  registerLedgerCommands(program);
  registerSetupCommands(program);
  registerNodeCommands(program);
  registerJobCommands(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e);
  }
}
