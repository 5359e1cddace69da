/**
 * Setting up a node and a consortium:
 *
 *   parley init --name bankA --dir ./bankA [--host H --port P --address A --api-port Q]
 *   parley consortium create bankA.pub.json bankB.pub.json bankC.pub.json -o consortium.json [--name N]
 */
import { InvalidArgument } from '@parley/interface';
import { createConsortium, initNode } from '@parley/node';
import type { Command } from 'commander';
import { writeTextFile } from '../files.js';

function portNumber(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgument(`expected a port 0..65535, got '${v}'`);
  return n;
}

export function registerSetupCommands(program: Command): void {
  program
    .command('init')
    .description(
      'create a node directory: identity key and certificate, node.json, an empty policy, NAME.pub.json',
    )
    .requiredOption('--name <name>', "this organisation's party name")
    .option('--dir <dir>', 'the node directory (created if missing)', '.')
    .option('--host <host>', 'address the node listens on for the other parties', '127.0.0.1')
    .option('--port <port>', 'port for the other parties (mutual TLS WebSocket)', portNumber, 7443)
    .option('--address <host:port>', 'address the consortium lists for this node (default host:port)')
    .option('--api-host <host>', "address of the operator's HTTP API", '127.0.0.1')
    .option('--api-port <port>', "port of the operator's HTTP API", portNumber, 7480)
    .action(
      async (flags: {
        name: string;
        dir: string;
        host: string;
        port: number;
        address?: string;
        apiHost: string;
        apiPort: number;
      }) => {
        const r = await initNode(flags);
        console.log(`node ${r.config.name} created in ${r.dir}`);
        console.log(`identity  ${r.identity.publicKey}`);
        console.log(
          `address   ${r.identity.address} (parties), ${r.config.api.host}:${r.config.api.port} (API)`,
        );
        console.log(
          `public    ${r.publicFile}: send it to the other members for \`parley consortium create\``,
        );
      },
    );

  program
    .command('consortium')
    .description('consortium files')
    .command('create')
    .description("join the members' public identity files into a consortium file")
    .argument('<files...>', 'NAME.pub.json of every member, in party order')
    .requiredOption('-o, --output <file>', 'the consortium file to write')
    .option('--name <name>', 'a name for the consortium')
    .action(async (files: string[], flags: { output: string; name?: string }) => {
      const consortium = await createConsortium(files, flags.name);
      writeTextFile(flags.output, `${JSON.stringify(consortium, null, 2)}\n`, 'consortium file', true);
      console.log(`${flags.output}: ${consortium.parties.map((p) => p.name).join(', ')}`);
    });
}
