/**
 * A node's public identity file, `NAME.pub.json` ({ name, publicKey,
 * address }: one consortium member), and `createConsortium`, which joins the
 * members' files into the consortium file every node and auditor shares.
 */
import { type Consortium, type ConsortiumMember, parseConsortium } from '@parley/interface';
import { z } from 'zod';
import { checkWith, readJsonFile } from './_configFile.js';

export type PublicIdentity = ConsortiumMember;

export function publicIdentityFileName(name: string): string {
  return `${name}.pub.json`;
}

const publicIdentitySchema = z.strictObject({
  name: z.string().min(1),
  publicKey: z.string().regex(/^[0-9a-fA-F]{64}$/, 'a 32-byte Ed25519 public key in hex (64 characters)'),
  address: z.string().min(1, 'host:port'),
});

/** Reads one member's public identity file; errors name the file and the field. */
export async function readPublicIdentity(file: string): Promise<PublicIdentity> {
  return checkWith(publicIdentitySchema, await readJsonFile(file), file);
}

/** The consortium of the members in `files` (in that order), checked as a whole (unique names and keys). */
export async function createConsortium(files: string[], name?: string): Promise<Consortium> {
  const parties: PublicIdentity[] = [];
  for (const f of files) parties.push(await readPublicIdentity(f));
  return parseConsortium(name === undefined ? { parties } : { name, parties }, files.join(', '));
}
