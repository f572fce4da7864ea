/**
 * Loads the server's identity from PEM files, such as those of `mcptt-smime pki init`.
 *
 * @module
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  certificateSipUris,
  importPrivateKey,
  isMcpttError,
  parseRevocationList,
  pemDecode,
  trustAnchorProblem,
  type LocalIdentity,
  type RevocationList,
} from '@mcptt-smime/smime';
import type { IdentityConfig } from './config.js';

/** The server's keys, and the trust anchors and revocation lists of client signatures. */
export interface ServerCredentials {
  readonly identity: LocalIdentity;
  readonly trustAnchors: readonly Uint8Array[];
  readonly revocationLists: readonly RevocationList[];
}

/**
 * Reads the key, certificate chain, trust anchors and revocation lists. The keys are imported as
 * non-extractable CryptoKeys. Raises TypeError naming the config field and the file for a file
 * without the expected PEM block, a key that is not the certificate's, a trust anchor that is
 * not a CA certificate, or a revocation list that cannot be used. Raises NotSupportedError for
 * other key types, and Error naming `identity.certificate` when the server's certificate is not
 * valid at `now`. A file that cannot be read raises its read error, with the field and the file
 * in front of its message and its `code`, such as ENOENT, kept.
 */
export async function loadCredentials(
  crypto: Crypto,
  serverUri: string,
  files: IdentityConfig,
  now: Date = new Date(),
): Promise<ServerCredentials> {
  const [pkcs8] = await readPemFile(files.key, 'PRIVATE KEY', 'identity.key');
  const [certificate, ...chain] = await readPemFile(
    files.certificate,
    'CERTIFICATE',
    'identity.certificate',
  );
  if (pkcs8 === undefined || certificate === undefined) {
    throw new TypeError(
      `identity: no key in ${files.key} or no certificate in ${files.certificate}`,
    );
  }
  if (!certificateSipUris(certificate).includes(serverUri)) {
    throw new TypeError(`identity: certificate ${files.certificate} does not name ${serverUri}`);
  }
  checkValidity(certificate, files.certificate, now);

  const { signingKey, decryptionKey } = await importPrivateKey(crypto, pkcs8);
  checkKeyPair(pkcs8, certificate, files);
  const trustAnchors: Uint8Array[] = [];
  for (const [i, file] of files.trustAnchors.entries()) {
    const field = `identity.trustAnchors[${String(i)}]`;
    for (const anchor of await readPemFile(file, 'CERTIFICATE', field)) {
      const problem = caProblem(anchor);
      if (problem !== undefined) {
        throw new TypeError(`identity: trust anchor ${file} is not a CA certificate (${problem})`);
      }
      trustAnchors.push(anchor);
    }
  }
  const revocationLists: RevocationList[] = [];
  for (const file of files.revocationLists ?? []) {
    revocationLists.push(...(await loadRevocationLists(file)));
  }
  return {
    identity: { uri: serverUri, certificate, chain, signingKey, decryptionKey },
    trustAnchors,
    revocationLists,
  };
}

/** Description of the file content that each PEM label needs, for error messages. */
const PEM_CONTENTS: Readonly<Record<string, string>> = {
  'PRIVATE KEY':
    'an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----), which ' +
    '`openssl pkcs8 -topk8 -nocrypt` writes from other key files',
  CERTIFICATE: 'X.509 certificates in PEM (-----BEGIN CERTIFICATE-----)',
};

/**
 * Returns the result of a file operation, or raises its error with `field` and the path in front
 * of the message, such as for a path with a typo. The error keeps its `code`, such as ENOENT.
 */
async function withField<T>(field: string, path: string, operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const named = new Error(`${field}: ${path}: ${message}`, { cause: error });
    throw Object.assign(named, code === undefined ? {} : { code });
  }
}

/**
 * Returns why a certificate cannot be a CA, as trustAnchorProblem does, or the parse error's
 * message for a certificate that does not parse, so that the caller can name the file.
 */
function caProblem(certificate: Uint8Array): string | undefined {
  try {
    return trustAnchorProblem(certificate);
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    return error.message;
  }
}

/**
 * Reads the PEM blocks of `label` in a file. Raises TypeError naming `field` and the file when
 * it has none or one is not closed, as when a key file is configured in place of a certificate.
 */
async function readPemFile(file: string, label: string, field: string): Promise<Uint8Array[]> {
  const text = await withField(field, file, readFile(file, 'utf8'));
  try {
    return pemDecode(text, label);
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    const expected = PEM_CONTENTS[label] ?? `a PEM ${label} block`;
    throw new TypeError(`${field}: ${file}: ${error.message}. Expected ${expected}`, {
      cause: error,
    });
  }
}

/**
 * Raises Error when the certificate is not valid at `now`. Clients reject every request and
 * response that the server signs with such a certificate, so the server would fail every call.
 */
function checkValidity(certificate: Uint8Array, file: string, now: Date): void {
  const x509 = new X509Certificate(certificate);
  // Node 20 has no validFromDate, and Date parses the OpenSSL format, such as
  // `Jan  5 07:55:47 2027 GMT`, of validFrom and validTo.
  const notBefore = new Date(x509.validFrom);
  const notAfter = new Date(x509.validTo);
  if (now < notBefore) {
    throw new Error(
      `identity.certificate: ${file} is not valid before its notBefore ` +
        `${notBefore.toISOString()}. Check this host's clock, or use a certificate valid now`,
    );
  }
  if (now > notAfter) {
    throw new Error(
      `identity.certificate: ${file} expired at its notAfter ${notAfter.toISOString()}. ` +
        'Issue a new certificate for the server and configure it',
    );
  }
}

/**
 * Raises TypeError when the private key is not the key of the certificate. Clients encrypt for
 * the certificate, so with another key the server could open no request. Node's X509Certificate
 * compares the public key of the certificate with the one of the private key.
 */
function checkKeyPair(pkcs8: Uint8Array, certificate: Uint8Array, files: IdentityConfig): void {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  if (!new X509Certificate(certificate).checkPrivateKey(key)) {
    throw new TypeError(
      `identity.key: ${files.key} is not the key of the certificate in ${files.certificate}. ` +
        'Configure the key that the certificate was issued for',
    );
  }
}

/**
 * Reads the certificates of the `enrolment.caCertificate` file: the enrolment CA, then the
 * intermediates of its path. Raises TypeError naming the file when it has none.
 */
async function readEnrolmentCaFile(file: string): Promise<[Uint8Array, ...Uint8Array[]]> {
  const [certificate, ...chain] = await readPemFile(file, 'CERTIFICATE', 'enrolment.caCertificate');
  if (certificate === undefined) {
    throw new TypeError(`enrolment.caCertificate: ${file} has no certificate`);
  }
  return [certificate, ...chain];
}

/**
 * Raises an error naming the field and the file when the enrolment CA files cannot issue
 * certificates: a certificate that is not a CA's, or a key that is missing or not its key.
 * Without the check, each enrolment would fail as if the client's request were invalid.
 */
export async function checkEnrolmentCa(files: {
  readonly caCertificate: string;
  readonly caKey: string;
}): Promise<void> {
  const [certificate] = await readEnrolmentCaFile(files.caCertificate);
  const problem = caProblem(certificate);
  if (problem !== undefined) {
    throw new TypeError(
      `enrolment.caCertificate: ${files.caCertificate} is not a CA certificate (${problem})`,
    );
  }
  const keyText = await withField('enrolment.caKey', files.caKey, readFile(files.caKey, 'utf8'));
  let matches: boolean;
  try {
    matches = new X509Certificate(certificate).checkPrivateKey(createPrivateKey(keyText));
  } catch (error) {
    throw new TypeError(`enrolment.caKey: ${files.caKey} is not an unencrypted PEM private key`, {
      cause: error,
    });
  }
  if (!matches) {
    throw new TypeError(
      `enrolment.caKey: ${files.caKey} is not the key of the certificate in ` +
        `${files.caCertificate}. Configure the key that the CA certificate was issued for`,
    );
  }
}

/**
 * Raises TypeError naming `enrolment.caCertificate` when that CA has no path to a trust anchor,
 * and Error when a certificate of that path is not valid at `now`, because the server would then
 * reject every user that the endpoint enrols. A CA below an intermediate CA finds its path
 * through the certificates that follow it in its file, as in a PEM chain: the endpoint sends that
 * file to each client, which keeps them as its chain.
 */
export async function checkEnrolmentTrusted(
  caCertificateFile: string,
  trustAnchors: readonly Uint8Array[],
  now: Date,
): Promise<void> {
  // NOTE: the path is not checked against the revocation lists, so below a revoked CA the
  // endpoint spends codes on certificates that the server then rejects.
  const [caDer, ...chainDers] = await readEnrolmentCaFile(caCertificateFile);
  let ca: X509Certificate;
  let chain: X509Certificate[];
  try {
    ca = new X509Certificate(caDer);
    chain = chainDers.map((der) => new X509Certificate(der));
  } catch (error) {
    throw new TypeError(`enrolment.caCertificate: ${caCertificateFile} does not parse`, {
      cause: error,
    });
  }
  const anchors = trustAnchors.map((der) => new X509Certificate(der));
  const path = pathToAnchor(ca, chain, anchors, now);
  if (path === undefined) {
    throw new TypeError(
      `enrolment.caCertificate: ${caCertificateFile} is not covered by identity.trustAnchors, ` +
        'so the server would reject every user that it enrols. Add it to identity.trustAnchors, ' +
        'or put the intermediate CA certificates of its path after it in the file',
    );
  }
  for (const certificate of path) {
    // The server rejects every certificate that the endpoint issues below an invalid path.
    const notBefore = new Date(certificate.validFrom);
    const notAfter = new Date(certificate.validTo);
    const subject = certificate.subject.replaceAll('\n', ', ');
    if (now < notBefore) {
      throw new Error(
        `enrolment.caCertificate: ${caCertificateFile}: ${subject} is not valid before its ` +
          `notBefore ${notBefore.toISOString()}. Check this host's clock, or configure a CA ` +
          'whose path is valid now',
      );
    }
    if (now > notAfter) {
      throw new Error(
        `enrolment.caCertificate: ${caCertificateFile}: ${subject} expired at its notAfter ` +
          `${notAfter.toISOString()}. Renew that CA certificate, or configure another enrolment CA`,
      );
    }
  }
}

/**
 * Returns the path from `certificate` to one of `anchors`: `certificate`, the certificates of
 * `chain` that issued it in turn, each used at most once, and the anchor that issued the last
 * one, whose validity the server checks too. Returns undefined when there is none. Issued means
 * the issuer name matches and the signature verifies with the issuer's key. Of several issuers,
 * one valid at `now` comes first, so that the expired copy of a renewed CA does not hide the
 * current one.
 */
function pathToAnchor(
  certificate: X509Certificate,
  chain: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  now: Date,
): X509Certificate[] | undefined {
  const issued = (child: X509Certificate, issuer: X509Certificate) =>
    child.checkIssued(issuer) && child.verify(issuer.publicKey);
  const validNow = (issuer: X509Certificate) =>
    now >= new Date(issuer.validFrom) && now <= new Date(issuer.validTo);
  const path = [certificate];
  const unused = [...chain];
  for (;;) {
    const child = path[path.length - 1] ?? certificate;
    if (anchors.some((anchor) => child.raw.equals(anchor.raw))) return path;
    const issuingAnchors = anchors.filter((anchor) => issued(child, anchor));
    const anchor = issuingAnchors.find(validNow) ?? issuingAnchors[0];
    if (anchor !== undefined) return [...path, anchor];
    const issuers = unused.filter((candidate) => issued(child, candidate));
    const next = issuers.find(validNow) ?? issuers[0];
    if (next === undefined) return undefined;
    unused.splice(unused.indexOf(next), 1);
    path.push(next);
  }
}

/**
 * Reads the CRLs of a file: every PEM `X509 CRL` block of a text file, or else the file as one
 * DER list. Raises TypeError naming the file when a list is malformed, not supported or too large,
 * and the read error, such as ENOENT, with the field and the file in front of its message.
 */
export async function loadRevocationLists(file: string): Promise<RevocationList[]> {
  const read = withField('identity.revocationLists', file, readFile(file));
  const bytes = new Uint8Array(await read);
  try {
    const text = Buffer.from(bytes).toString('latin1');
    const lists = text.includes('-----BEGIN X509 CRL-----') ? pemDecode(text, 'X509 CRL') : [bytes];
    return lists.map((der) => parseRevocationList(der));
  } catch (error) {
    if (!isMcpttError(error)) throw error;
    throw new TypeError(`identity.revocationLists: ${file}: ${error.message}`, { cause: error });
  }
}

/** A user's certificate from the `peerCertificates` folder, with the CA certificates of its file. */
export interface PeerCertificate {
  readonly certificate: Uint8Array;
  /** The certificates of the same file that name no SIP URI, such as intermediate CAs. */
  readonly intermediates: readonly Uint8Array[];
}

/**
 * Reads every `*.cert.pem` in a folder and returns the certificates by the SIP URIs they name.
 * A file may follow a user's certificate with the intermediate CA certificates of its path, as a
 * PEM chain does: every certificate of a file that names no SIP URI is an intermediate of the
 * file's users. Files that name no SIP URI give no user. Raises TypeError naming the file when it
 * has no PEM certificate.
 */
export async function loadPeerCertificates(folder: string): Promise<Map<string, PeerCertificate>> {
  const certificates = new Map<string, PeerCertificate>();
  for (const name of await withField('peerCertificates', folder, readdir(folder))) {
    if (!name.endsWith('.cert.pem')) {
      continue;
    }
    const ders = await readPemFile(join(folder, name), 'CERTIFICATE', 'peerCertificates');
    const named = ders.map((der) => ({ der, uris: certificateSipUris(der) }));
    const intermediates = named.filter(({ uris }) => uris.length === 0).map(({ der }) => der);
    for (const { der, uris } of named) {
      for (const uri of uris) {
        certificates.set(uri, { certificate: der, intermediates });
      }
    }
  }
  return certificates;
}
