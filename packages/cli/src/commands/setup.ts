/**
 * Setting up a node and a consortium:
 *
 *   parley init --name bankA --dir ./bankA [--host H --port P --address A --api-port Q]
 *   parley consortium create bankA.pub.json bankB.pub.json bankC.pub.json -o consortium.json [--name N]
 */
import { InvalidArgument, parseAddress } from '@parley/interface';
import { createConsortium, initNode } from '@parley/node';
import type { Command } from 'commander';
import { writeTextFile } from '../files.js';

/** A port flag's parser: a whole number 1..65535 (a node listens on the port it is given, never 0). */
function portNumber(flag: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > 65535)
      throw new InvalidArgument(`${flag}: expected a port 1..65535, got '${v}'`, { field: flag.slice(2) });
    return n;
  };
}

interface InitFlags {
  name: string;
  dir: string;
  host: string;
  port: number;
  address?: string;
  apiHost: string;
  apiPort: number;
}

/** Checks how the flags combine, before anything is created (initNode makes the directory first). */
function checkInitFlags(flags: InitFlags): void {
  for (const [flag, host] of [
    ['--host', flags.host],
    ['--api-host', flags.apiHost],
  ] as const) {
    if (host.trim() === '')
      throw new InvalidArgument(`${flag}: expected a host name or IP address`, { field: flag.slice(2) });
  }
  if (flags.port === flags.apiPort) {
    throw new InvalidArgument(
      `--port and --api-port are both ${flags.port}: the parties' port and the API's must differ`,
      { field: 'api-port' },
    );
  }
  if (flags.address !== undefined) {
    parseAddress(flags.address, '--address');
    return;
  }
  // The address the consortium will list, from --host and --port (as initNode makes it).
  const address = flags.host.includes(':') ? `[${flags.host}]:${flags.port}` : `${flags.host}:${flags.port}`;
  try {
    parseAddress(address, '--host');
  } catch {
    throw new InvalidArgument(
      `--host ${flags.host}: not an address the consortium can list; give --address HOST:PORT`,
      { field: 'host' },
    );
  }
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
    .option('--port <port>', 'port for the other parties (mutual TLS WebSocket)', portNumber('--port'), 7443)
    .option('--address <host:port>', 'address the consortium lists for this node (default host:port)')
    .option('--api-host <host>', "address of the operator's HTTP API", '127.0.0.1')
    .option('--api-port <port>', "port of the operator's HTTP API", portNumber('--api-port'), 7480)
    .action(async (flags: InitFlags) => {
      checkInitFlags(flags);
      const r = await initNode(flags);
      console.log(`node ${r.config.name} created in ${r.dir}`);
      console.log(`identity  ${r.identity.publicKey}`);
      console.log(
        `address   ${r.identity.address} (parties), ${r.config.api.host}:${r.config.api.port} (API)`,
      );
      console.log(`public    ${r.publicFile}: send it to the other members for \`parley consortium create\``);
    });

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
