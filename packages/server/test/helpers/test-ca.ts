/**
 * Certificates issued below the CA of a demo PKI that `createDemoPki` made, such as intermediate
 * CAs and the users they issue, for tests of certificate paths longer than one step.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importPrivateKey, pemDecode } from '@mcptt-smime/smime';
import { createCertificate } from '../../../smime/src/cms/index.js';

/** A certificate with the key pair of its public key. */
export interface Issued {
  readonly certificate: Uint8Array;
  readonly keys: CryptoKeyPair;
}

/** A certificate and the private key that signs what it issues. */
export interface Issuer {
  readonly certificate: Uint8Array;
  readonly key: CryptoKey;
}

const DAY_MS = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** Reads the CA certificate and key of the demo PKI in `pki`. */
export async function demoCa(pki: string): Promise<Issuer> {
  const pem = (name: string) => readFile(join(pki, name), 'utf8');
  const [certificate] = pemDecode(await pem('ca.cert.pem'), 'CERTIFICATE');
  const [pkcs8] = pemDecode(await pem('ca.key.pem'), 'PRIVATE KEY');
  if (certificate === undefined || pkcs8 === undefined) throw new Error(`no demo CA in ${pki}`);
  return { certificate, key: (await importPrivateKey(crypto, pkcs8)).signingKey };
}

/**
 * Issues a P-256 certificate from `issuer`, valid from a day ago until `notAfter` or for 30
 * days: a CA certificate when `uris` is not given, or else a user's certificate with those SIP
 * URIs. It certifies `keys`, or else a new key pair whose private key is extractable only with
 * `extractable`.
 */
export async function issue(
  issuer: Issuer,
  subject: string,
  options: {
    readonly serial: number;
    readonly uris?: string[];
    readonly extractable?: boolean;
    /** End of the validity, in place of 30 days from now. */
    readonly notAfter?: Date;
    /** The key pair of an earlier certificate, as for a renewed CA. */
    readonly keys?: CryptoKeyPair;
  },
): Promise<Issued> {
  const keys =
    options.keys ??
    (await crypto.subtle.generateKey(EC, options.extractable === true, ['sign', 'verify']));
  const certificate = await createCertificate({
    crypto,
    subject,
    issuer: issuer.certificate,
    issuerKey: issuer.key,
    publicKey: keys.publicKey,
    serial: options.serial,
    isCa: options.uris === undefined,
    ...(options.uris === undefined ? {} : { uris: options.uris }),
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY_MS),
  });
  return { certificate, keys };
}

/** Returns `issued` as the issuer of further certificates. */
export function asIssuer(issued: Issued): Issuer {
  return { certificate: issued.certificate, key: issued.keys.privateKey };
}
