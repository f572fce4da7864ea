/**
 * A demo certification authority on the `openssl` command line (OpenSSL 3): it creates the demo
 * PKI and issues certificates for enrolment requests. Keys are ECDSA P-256 in PKCS#8, and
 * end-entity certificates carry the user's SIP URI as their only subjectAltName.
 *
 * NOTE: this is for the demo and the tests. The CA key sits in a file next to the server.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The `openssl` executable, overridable through the OPENSSL environment variable. */
export const OPENSSL = process.env.OPENSSL ?? 'openssl';

/** Options of {@link createDemoPki}. */
export interface DemoPkiOptions {
  /** Folder for `ca.cert.pem`, `ca.key.pem`, `NAME.cert.pem` and `NAME.key.pem`. */
  readonly folder: string;
  /** SIP domain of every URI, such as `mcptt.example`. */
  readonly domain: string;
  /** User parts of the users' URIs. */
  readonly users: readonly string[];
  /** User part of the server's URI. */
  readonly server: string;
  /** Validity in days. Default 30. */
  readonly days?: number;
  /** Common name of the CA. Default `mcptt-smime demo CA`. */
  readonly caName?: string;
}

/**
 * Creates a CA and a key and certificate for each user and the server, in the file layout of
 * `mcptt-smime pki init`.
 *
 * @param options - The folder, the domain, the user and server names, and optionally the
 *   validity and the CA's name.
 * @throws The error of the `openssl` command or of a file write that failed.
 */
export async function createDemoPki(options: DemoPkiOptions): Promise<void> {
  const { folder } = options;
  const days = String(options.days ?? 30);
  await mkdir(folder, { recursive: true });
  const caKey = join(folder, 'ca.key.pem');
  const caCert = join(folder, 'ca.cert.pem');
  await generateKey(caKey);
  await run(OPENSSL, [
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-subj',
    `/CN=${options.caName ?? 'mcptt-smime demo CA'}`,
    '-days',
    days,
    '-out',
    caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  for (const name of [...options.users, options.server]) {
    const key = join(folder, `${name}.key.pem`);
    await generateKey(key);
    const csr = (await run(OPENSSL, ['req', '-new', '-key', key, '-subj', `/CN=${name}`])).stdout;
    const certificate = await issueCertificate({
      csrPem: csr,
      uri: `sip:${name}@${options.domain}`,
      caCertificateFile: caCert,
      caKeyFile: caKey,
      days: options.days ?? 30,
    });
    await writeFile(join(folder, `${name}.cert.pem`), certificate);
  }
}

/** Writes a new P-256 private key, PEM PKCS#8, to `file` with `openssl genpkey`. */
export async function generateKey(file: string): Promise<void> {
  await run(OPENSSL, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    file,
  ]);
}

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  /** PEM PKCS#10 request; its signature is checked, and its subject and extensions are ignored. */
  readonly csrPem: string;
  /** The SIP URI to certify, from configuration and never from the request. */
  readonly uri: string;
  readonly caCertificateFile: string;
  readonly caKeyFile: string;
  readonly days: number;
}

/** The key of a certificate request is of a type or size that the S/MIME library cannot use. */
export class UnsupportedKeyError extends Error {
  constructor() {
    super('unsupported key: EC P-256 or P-384, or RSA of 2048 to 4096 bits, is required');
    this.name = 'UnsupportedKeyError';
  }
}

/** RSA modulus sizes in bits that the library accepts, as for the CLI's keys. */
const RSA_BITS = { min: 2048, max: 4096 } as const;

/**
 * DER of an EC SubjectPublicKeyInfo up to its uncompressed point, by the curve name that Node
 * reports. Node also reports the name for a key with explicit curve parameters, which RFC 5480
 * §2.1.1 forbids in certificates, so the DER itself must match one of these.
 */
const NAMED_CURVE_SPKI_PREFIXES: Readonly<Record<string, string>> = {
  prime256v1: '3059301306072a8648ce3d020106082a8648ce3d03010703420004',
  secp384r1: '3076301006072a8648ce3d020106052b8104002203620004',
};

/**
 * Returns the key usage of a certificate for the public key in `spkiPem`: signing and ECDH key
 * agreement for EC P-256 and P-384 as named curves with uncompressed points, signing and key
 * transport for RSA of 2048 to 4096 bits. Raises UnsupportedKeyError for any other key, which
 * the library could not use.
 */
export function keyUsageFor(spkiPem: string): string {
  const key = createPublicKey(spkiPem);
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const prefix = NAMED_CURVE_SPKI_PREFIXES[details.namedCurve ?? ''];
    const spki = key.export({ format: 'der', type: 'spki' }).toString('hex');
    if (prefix !== undefined && spki.startsWith(prefix)) return 'digitalSignature,keyAgreement';
  } else if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits >= RSA_BITS.min && bits <= RSA_BITS.max) return 'digitalSignature,keyEncipherment';
  }
  throw new UnsupportedKeyError();
}

/**
 * Returns whether {@link issueCertificate} can certify a SIP URI: a user part and a host name of
 * letters, digits and `._~+-` only, with no port or parameters. Other characters could break out
 * of the extension file's subjectAltName line or the `-subj` argument.
 */
export function isCertifiableUri(uri: string): boolean {
  return /^sips?:[A-Za-z0-9._~+-]+@[A-Za-z0-9.-]+$/.test(uri);
}

/**
 * Issues an end-entity certificate for the public key of a PKCS#10 request: subject CN and
 * subjectAltName from `uri`, the key usage of {@link keyUsageFor}, extended key usage
 * emailProtection (RFC 8550 §4.4). Raises an Error when the request does not verify, and
 * UnsupportedKeyError for a key of another type or size.
 *
 * @param options - The PEM request, the URI to certify, the CA's certificate and key files, and
 *   the validity in days.
 * @returns The certificate as PEM.
 * @throws TypeError for a URI that {@link isCertifiableUri} rejects.
 */
export async function issueCertificate(options: IssueOptions): Promise<string> {
  if (!isCertifiableUri(options.uri)) {
    throw new TypeError(`issueCertificate: ${options.uri} is not a plain SIP URI`);
  }
  const folder = await mkdtemp(join(tmpdir(), 'mcptt-ca-'));
  try {
    const csr = join(folder, 'request.csr');
    const extensions = join(folder, 'extensions.cnf');
    await writeFile(csr, options.csrPem);
    await run(OPENSSL, ['req', '-in', csr, '-verify', '-noout']);
    const { stdout: publicKey } = await run(OPENSSL, ['req', '-in', csr, '-noout', '-pubkey']);
    await writeFile(
      extensions,
      [
        'basicConstraints=critical,CA:FALSE',
        `keyUsage=critical,${keyUsageFor(publicKey)}`,
        'extendedKeyUsage=emailProtection',
        `subjectAltName=URI:${options.uri}`,
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid',
        '',
      ].join('\n'),
    );
    const user = options.uri.replace(/^sips?:/, '').split('@')[0] ?? 'user';
    // The -subj syntax reads `+` as the start of another attribute of the same RDN.
    const commonName = user.replaceAll('+', '\\+');
    const { stdout } = await run(OPENSSL, [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      options.caCertificateFile,
      '-CAkey',
      options.caKeyFile,
      '-set_serial',
      `0x${randomSerial()}`,
      '-days',
      String(options.days),
      '-subj',
      `/CN=${commonName}`,
      '-extfile',
      extensions,
    ]);
    return stdout;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
