/**
 * `parley node start --node DIR`: runs the party node daemon in the
 * foreground (JSON log lines on standard output) until SIGINT or SIGTERM,
 * then closes its listeners and exits 0.
 */
import { InvalidArgument } from '@parley/interface';
import { LOG_LEVELS, type LogLevel, PartyNode } from '@parley/node';
import type { Command } from 'commander';

function logLevel(v: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(v))
    throw new InvalidArgument(`--log-level ${v}: expected one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

export function registerNodeCommands(program: Command): void {
  program
    .command('node')
    .description('the party node daemon')
    .command('start')
    .description('run the node of a node directory until stopped (SIGINT, SIGTERM)')
    .option('--node <dir>', 'the node directory', '.')
    .option('--log-level <level>', `log level (${LOG_LEVELS.join(', ')}; default: node.json's)`, logLevel)
    .action(async (flags: { node: string; logLevel?: LogLevel }) => {
      const node = await PartyNode.start(flags.node, { logLevel: flags.logLevel });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await node.close();
    });
}
