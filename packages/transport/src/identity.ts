/**
 * A party's identity: an Ed25519 key pair (RFC 8032) and a self-signed X.509
 * certificate for it (RFC 5280, Ed25519 signatures per RFC 8410), used as the
 * TLS 1.3 certificate of both the party's server and its client side. The
 * identity a consortium file lists is the raw 32-byte public key (hex); peers
 * pin that key, not the certificate, so a certificate can be re-issued for
 * the same key without changing the consortium file.
 *
 * Certificates are generated with @peculiar/x509 over Node's WebCrypto; they
 * are read with node:crypto's X509Certificate.
 */
import {
  createPrivateKey,
  createPublicKey,
  type JsonWebKey,
  randomBytes,
  webcrypto,
  X509Certificate,
} from 'node:crypto';
import { ed25519KeyPair, toHex } from '@parley/crypto';
import { ConfigError, InvalidArgument, PARTY_NAME_PATTERN, type PartyName } from '@parley/interface';

/**
 * A party's name, public key, certificate and private key. The private key is
 * kept in a private field: it appears in neither `JSON.stringify` nor
 * `util.inspect` output.
 */
export class Identity {
  readonly name: PartyName;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** `publicKey` in lowercase hex, as the consortium file lists it. */
  readonly publicKeyHex: string;
  readonly certificatePem: string;
  readonly #privateKeyPem: string;

  constructor(name: PartyName, publicKey: Uint8Array, certificatePem: string, privateKeyPem: string) {
    this.name = name;
    this.publicKey = publicKey;
    this.publicKeyHex = toHex(publicKey);
    this.certificatePem = certificatePem;
    this.#privateKeyPem = privateKeyPem;
  }

  /** The PKCS#8 PEM of the private key. Secret: never log it. */
  get privateKeyPem(): string {
    return this.#privateKeyPem;
  }

  toJSON(): { name: string; publicKey: string; certificatePem: string } {
    return { name: this.name, publicKey: this.publicKeyHex, certificatePem: this.certificatePem };
  }
}

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function rawPublicKey(jwk: JsonWebKey): Uint8Array {
  return new Uint8Array(Buffer.from(jwk.x as string, 'base64url'));
}

function checkName(name: string): void {
  if (typeof name !== 'string' || !PARTY_NAME_PATTERN.test(name)) {
    throw new InvalidArgument(`invalid party name '${String(name)}'`, { field: 'name' });
  }
}

let x509Module: Promise<typeof import('@peculiar/x509')> | undefined;

function loadX509(): Promise<typeof import('@peculiar/x509')> {
  // @peculiar/x509 (through tsyringe) needs the Reflect metadata API loaded first.
  x509Module ??= import('reflect-metadata').then(() => import('@peculiar/x509'));
  return x509Module;
}

export interface CreateIdentityOptions {
  /** The 32-byte Ed25519 secret key (seed); a fresh random one by default. */
  secretKey?: Uint8Array;
  /** Certificate validity from now, in days (default 3650). */
  validityDays?: number;
}

/** Generates an Ed25519 key pair (or uses `secretKey`) and a self-signed certificate with CN=`name`. */
export async function createIdentity(
  name: PartyName,
  options: CreateIdentityOptions = {},
): Promise<Identity> {
  checkName(name);
  const days = options.validityDays ?? 3650;
  if (!Number.isInteger(days) || days < 1)
    throw new InvalidArgument('validityDays must be a positive integer');
  const pair = ed25519KeyPair(options.secretKey);
  const jwk = { kty: 'OKP', crv: 'Ed25519', d: base64url(pair.secretKey), x: base64url(pair.publicKey) };
  const privateKeyPem = createPrivateKey({ key: jwk, format: 'jwk' }).export({
    format: 'pem',
    type: 'pkcs8',
  });
  const x509 = await loadX509();
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey('jwk', jwk, { name: 'Ed25519' }, false, ['sign']),
    publicKey: await subtle.importKey('raw', pair.publicKey, { name: 'Ed25519' }, true, ['verify']),
  };
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: `CN=${name}`,
      notBefore: new Date(now - 5 * 60_000),
      notAfter: new Date(now + days * 86_400_000),
      keys,
      signingAlgorithm: { name: 'Ed25519' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return new Identity(name, pair.publicKey, cert.toString('pem'), privateKeyPem as string);
}

/** The raw Ed25519 public key of a certificate (PEM or DER); `InvalidArgument` if it is not Ed25519. */
export function certificatePublicKey(certificate: string | Uint8Array): Uint8Array {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(typeof certificate === 'string' ? certificate : Buffer.from(certificate));
  } catch {
    throw new InvalidArgument('not an X.509 certificate', { field: 'certificate' });
  }
  if (cert.publicKey.asymmetricKeyType !== 'ed25519') {
    throw new InvalidArgument(`certificate key is ${cert.publicKey.asymmetricKeyType}, not Ed25519`, {
      field: 'certificate',
    });
  }
  return rawPublicKey(cert.publicKey.export({ format: 'jwk' }));
}

/** Rebuilds an identity from its PEM files, checking that the certificate is for the private key. */
export function loadIdentity(
  name: PartyName,
  pem: { privateKeyPem: string; certificatePem: string },
): Identity {
  checkName(name);
  let publicKey: Uint8Array;
  try {
    const key = createPrivateKey(pem.privateKeyPem);
    if (key.asymmetricKeyType !== 'ed25519') throw new InvalidArgument('the private key is not Ed25519');
    publicKey = rawPublicKey(createPublicKey(key).export({ format: 'jwk' }));
  } catch {
    throw new ConfigError(`identity of '${name}': the private key is not an Ed25519 PKCS#8 PEM`, {
      field: 'privateKey',
    });
  }
  let certKey: Uint8Array;
  try {
    certKey = certificatePublicKey(pem.certificatePem);
  } catch (e) {
    throw new ConfigError(`identity of '${name}': ${(e as Error).message}`, { field: 'certificate' });
  }
  if (toHex(certKey) !== toHex(publicKey)) {
    throw new ConfigError(`identity of '${name}': the certificate is not for this private key`, {
      field: 'certificate',
    });
  }
  return new Identity(name, publicKey, pem.certificatePem, pem.privateKeyPem);
}

/** The raw 32-byte Ed25519 secret key (seed) of an identity, for signing with @parley/crypto. Secret. */
export function identitySecretKey(identity: Identity): Uint8Array {
  const jwk = createPrivateKey(identity.privateKeyPem).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.d as string, 'base64url'));
}
