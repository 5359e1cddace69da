import { X509Certificate } from 'node:crypto';
import { ed25519Sign, ed25519Verify, fromHex } from '@parley/crypto';
import { describe, expect, it } from 'vitest';
import {
  ConsortiumIndex,
  certificatePublicKey,
  createIdentity,
  identitySecretKey,
  loadIdentity,
  parseAddress,
  parseConsortium,
} from '../src/index.js';

const KEY_A = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const KEY_B = '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c';

describe('identity', () => {
  it('makes a self-signed Ed25519 certificate for the key, and keeps the private key out of JSON', async () => {
    // RFC 8032 section 7.1, TEST 1 secret key: the public key is known.
    const id = await createIdentity('bankA', {
      secretKey: fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
    });
    expect(id.publicKeyHex).toBe(KEY_A);
    const cert = new X509Certificate(id.certificatePem);
    expect(cert.subject).toBe('CN=bankA');
    expect(cert.issuer).toBe('CN=bankA');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(Buffer.from(certificatePublicKey(id.certificatePem)).toString('hex')).toBe(KEY_A);
    expect(JSON.stringify(id)).not.toContain('PRIVATE');
    const sig = ed25519Sign(new Uint8Array([1, 2, 3]), identitySecretKey(id));
    expect(ed25519Verify(sig, new Uint8Array([1, 2, 3]), id.publicKey)).toBe(true);
  });

  it('loads from PEM and refuses a certificate that is not for the private key', async () => {
    const a = await createIdentity('a');
    const b = await createIdentity('b');
    expect(loadIdentity('a', a).publicKeyHex).toBe(a.publicKeyHex);
    expect(() =>
      loadIdentity('a', { privateKeyPem: a.privateKeyPem, certificatePem: b.certificatePem }),
    ).toThrow(/not for this private key/);
    expect(() => loadIdentity('a', { privateKeyPem: 'junk', certificatePem: a.certificatePem })).toThrow(
      /PKCS#8/,
    );
  });
});

describe('consortium file', () => {
  const good = {
    name: 'pilot',
    parties: [
      { name: 'bankA', publicKey: KEY_A, address: '127.0.0.1:7001' },
      { name: 'bankB', publicKey: KEY_B.toUpperCase(), address: '[::1]:7002' },
    ],
  };

  it('parses, normalises keys to lowercase, and indexes parties by name and key', () => {
    const c = new ConsortiumIndex(good);
    expect(c.names).toEqual(['bankA', 'bankB']);
    expect(parseConsortium(good).parties[1].publicKey).toBe(KEY_B);
    expect(c.party('bankB')?.publicKey).toBe(KEY_B);
    expect(c.partyByPublicKey(KEY_A)?.name).toBe('bankA');
    expect(parseAddress('[::1]:7002')).toEqual({ host: '::1', port: 7002 });
  });

  const bad: Array<[string, unknown, string]> = [
    ['no parties', { parties: [] }, 'parties'],
    ['a bad name', { parties: [{ ...good.parties[0], name: 'bank A' }, good.parties[1]] }, 'parties[0].name'],
    [
      'a duplicate name',
      { parties: [good.parties[0], { ...good.parties[1], name: 'bankA' }] },
      'parties[1].name',
    ],
    [
      'a short key',
      { parties: [{ ...good.parties[0], publicKey: 'abcd' }, good.parties[1]] },
      'parties[0].publicKey',
    ],
    [
      'a repeated key',
      { parties: [good.parties[0], { ...good.parties[1], publicKey: KEY_A }] },
      'parties[1].publicKey',
    ],
    [
      'a bad address',
      { parties: [good.parties[0], { ...good.parties[1], address: 'nowhere' }] },
      'parties[1].address',
    ],
    ['port 0', { parties: [good.parties[0], { ...good.parties[1], address: 'h:0' }] }, 'parties[1].address'],
  ];
  for (const [what, file, field] of bad) {
    it(`rejects ${what} with ConfigError naming ${field}`, () => {
      try {
        parseConsortium(file, 'consortium.json');
        expect.unreachable();
      } catch (e) {
        expect((e as { code: string }).code).toBe('CONFIG');
        expect((e as { details: { field: string } }).details.field).toBe(field);
        expect((e as Error).message).toContain('consortium.json');
      }
    });
  }
});
