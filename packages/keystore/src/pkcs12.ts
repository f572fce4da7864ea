/**
 * PKCS#12 (RFC 7292) reading and writing, limited to password privacy with PBES2 (PBKDF2 and
 * AES-CBC, RFC 8018) and password integrity with an HMAC. Files protected with the legacy
 * PKCS#12 PBE schemes (RC2, 3DES) raise NotSupportedError, because WebCrypto implements neither.
 *
 * @module
 */

import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { CmsParseError, CredentialInvalidError, NotSupportedError } from '@mcptt-smime/smime';

import { engineFor } from './engine.js';

const OID_PBES2 = '1.2.840.113549.1.5.13';
const OID_DATA = '1.2.840.113549.1.7.1';
const OID_ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const OID_KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const OID_CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const OID_X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';
const OID_LOCAL_KEY_ID = '1.2.840.113549.1.9.21';
const AES_CBC_OIDS = new Set([
  '2.16.840.1.101.3.4.1.2',
  '2.16.840.1.101.3.4.1.22',
  '2.16.840.1.101.3.4.1.42',
]);

/**
 * Highest MAC iteration count that an import accepts. PKIjs runs the PKCS#12 key derivation in
 * script, at about 3 µs an iteration in Node 20, so a crafted file with 2^31 iterations would keep
 * the import busy for more than an hour. OpenSSL 3 writes 2,048 and backups 10,000.
 */
export const MAX_MAC_ITERATIONS = 1_000_000;

/**
 * Highest number of PBKDF2 iterations that an import spends on one file, summed over its key
 * derivations (one per encrypted safe and one per shrouded key bag), so that a file with many
 * encrypted parts cannot multiply the work. OpenSSL 3 writes two derivations of 2,048 and
 * backups two of 210,000.
 */
export const MAX_PBKDF2_ITERATIONS = 5_000_000;

/** PBKDF2 iterations of a backup written by {@link buildPkcs12}. */
export const BACKUP_KDF_ITERATIONS = 210_000;
/**
 * Iterations of the PKCS#12 MAC key derivation of a backup. PKIjs runs this derivation in
 * script rather than in WebCrypto, so it costs far more per iteration than PBKDF2.
 */
export const BACKUP_MAC_ITERATIONS = 10_000;

/** Contents of a PKCS#12 file. */
export interface Pkcs12Contents {
  /** PKCS#8 DER of the one private key. The caller overwrites it with zeros after use. */
  readonly privateKey: Uint8Array;
  /** DER of every certificate, in file order. */
  readonly certificates: readonly Uint8Array[];
}

/**
 * Raises TypeError unless the password of a backup is a non-empty string. Nothing stronger is
 * enforced, but anyone with a copy of the file can try passwords offline, so use a long
 * passphrase.
 */
export function requireBackupPassword(password: unknown): asserts password is string {
  if (typeof password !== 'string' || password.length === 0) {
    throw new TypeError('PKCS#12 backup password must be a non-empty string');
  }
}

/**
 * Reads a PKCS#12 file with one private key. Verifies the MAC first: a wrong password, or a file
 * changed after it was written, raises CredentialInvalidError. Legacy encryption raises
 * NotSupportedError, and a file that is not DER PKCS#12 raises CmsParseError. The password may be
 * empty, because some tools write files with an empty password, but it must be a string: a
 * missing password raises TypeError instead of being read as the empty one.
 */
export async function parsePkcs12(
  crypto: Crypto,
  der: Uint8Array,
  password: string,
): Promise<Pkcs12Contents> {
  if (typeof password !== 'string') throw new TypeError('PKCS#12 password must be a string');
  if (!(der instanceof Uint8Array)) throw new TypeError('PKCS#12 file must be a Uint8Array');
  const engine = engineFor(crypto);
  const passwordBytes = new TextEncoder().encode(password).buffer;
  const pfx = decodePfx(der);
  const macIterations = pfx.macData?.iterations ?? 1;
  if (macIterations > MAX_MAC_ITERATIONS) {
    throw new NotSupportedError(
      `PKCS#12 MAC iteration count ${macIterations} exceeds the limit of ${MAX_MAC_ITERATIONS}: re-export the file with OpenSSL 3 defaults`,
    );
  }

  try {
    await pfx.parseInternalValues(
      { password: passwordBytes, checkIntegrity: pfx.macData !== undefined },
      engine,
    );
  } catch (error) {
    throw new CredentialInvalidError('PKCS#12 MAC check failed: wrong password or modified file', {
      cause: error,
    });
  }
  const authenticatedSafe = pfx.parsedValue?.authenticatedSafe;
  if (authenticatedSafe === undefined) {
    throw new CmsParseError('PKCS#12 authenticated safe is missing');
  }

  const budget = { spent: 0 };
  const safeContents = await openSafeContents(authenticatedSafe, passwordBytes, engine, budget);
  const bags = safeContents.flatMap((contents) => contents.safeBags);
  // Counted before any key is decrypted, so that extra shrouded keys cost no derivation.
  const keyBags = bags.filter(
    (bag) => bag.bagId === OID_KEY_BAG || bag.bagId === OID_SHROUDED_KEY_BAG,
  );
  const [keyBag] = keyBags;
  if (keyBag === undefined || keyBags.length > 1) {
    throw new CredentialInvalidError(
      `PKCS#12 file contains ${keyBags.length} private keys, expected 1`,
    );
  }
  const certificates = bags.filter((bag) => bag.bagId === OID_CERT_BAG).flatMap(certificateOf);
  const privateKey =
    keyBag.bagId === OID_KEY_BAG
      ? privateKeyBytes(keyBag.bagValue as pkijs.PrivateKeyInfo)
      : await decryptKeyBag(keyBag, passwordBytes, engine, budget);
  return { privateKey, certificates };
}

/** PBKDF2 iterations that one import has committed to, against {@link MAX_PBKDF2_ITERATIONS}. */
interface IterationBudget {
  spent: number;
}

function decodePfx(der: Uint8Array): pkijs.PFX {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) throw new CmsParseError('PKCS#12 file is not DER');
  if (asn1.offset !== der.byteLength) {
    throw new CmsParseError('PKCS#12 file has bytes after its end');
  }
  try {
    return new pkijs.PFX({ schema: asn1.result });
  } catch (error) {
    throw new CmsParseError('PKCS#12 file does not match the PFX schema', { cause: error });
  }
}

async function openSafeContents(
  authenticatedSafe: pkijs.AuthenticatedSafe,
  password: ArrayBuffer,
  engine: pkijs.CryptoEngine,
  budget: IterationBudget,
): Promise<pkijs.SafeContents[]> {
  const parameters = authenticatedSafe.safeContents.map((contentInfo) => {
    if (contentInfo.contentType === OID_DATA) return {};
    if (contentInfo.contentType !== OID_ENCRYPTED_DATA) {
      throw new NotSupportedError('PKCS#12 public-key privacy mode is not supported');
    }
    // PKIjs's fromSchema deletes fields from the schema object it reads, so this check decodes
    // a copy and leaves the original for parseInternalValues.
    const encrypted = pkijs.EncryptedData.fromBER(
      (contentInfo.content as asn1js.Sequence).toBER(false),
    );
    requirePbes2(encrypted.encryptedContentInfo.contentEncryptionAlgorithm, budget);
    return { password };
  });

  try {
    await authenticatedSafe.parseInternalValues({ safeContents: parameters }, engine);
  } catch (error) {
    // Without a MAC, a wrong password shows up here as a padding or parse failure.
    throw new CredentialInvalidError('PKCS#12 content could not be decrypted: wrong password', {
      cause: error,
    });
  }
  const parsed = (
    authenticatedSafe.parsedValue as { safeContents?: { value: pkijs.SafeContents }[] }
  ).safeContents;
  return (parsed ?? []).map((entry) => entry.value);
}

async function decryptKeyBag(
  bag: pkijs.SafeBag,
  password: ArrayBuffer,
  engine: pkijs.CryptoEngine,
  budget: IterationBudget,
): Promise<Uint8Array> {
  const shrouded = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
  requirePbes2(shrouded.encryptionAlgorithm, budget);
  const encrypted = new pkijs.EncryptedData({
    encryptedContentInfo: new pkijs.EncryptedContentInfo({
      contentEncryptionAlgorithm: shrouded.encryptionAlgorithm,
      encryptedContent: shrouded.encryptedData,
    }),
  });
  let decrypted: Uint8Array;
  try {
    decrypted = new Uint8Array(await encrypted.decrypt({ password }, engine));
  } catch (error) {
    throw new CredentialInvalidError('PKCS#12 private key could not be decrypted: wrong password', {
      cause: error,
    });
  }
  // A wrong password leaves valid CBC padding about once in 256 tries, and the result is then
  // noise rather than a PKCS#8 SEQUENCE. Without a MAC, only this check separates the two.
  const parsed = asn1js.fromBER(decrypted);
  if (parsed.offset !== decrypted.byteLength || !(parsed.result instanceof asn1js.Sequence)) {
    decrypted.fill(0);
    throw new CredentialInvalidError('PKCS#12 private key could not be decrypted: wrong password');
  }
  return decrypted;
}

/**
 * Raises NotSupportedError unless the algorithm is PBES2 with PBKDF2 and AES-CBC, and its
 * iterations keep the file's sum within {@link MAX_PBKDF2_ITERATIONS}. It adds them to `budget`,
 * and raises CmsParseError for an iteration count below 1.
 */
function requirePbes2(algorithm: pkijs.AlgorithmIdentifier, budget: IterationBudget): void {
  if (algorithm.algorithmId !== OID_PBES2) {
    throw new NotSupportedError(
      `PKCS#12 encryption ${algorithm.algorithmId} is not supported: re-export with PBES2 and AES`,
    );
  }
  const parameters = pkijs.PBES2Params.fromBER(
    (algorithm.algorithmParams as asn1js.Sequence).toBER(false),
  );
  const { iterationCount } = pkijs.PBKDF2Params.fromBER(
    (parameters.keyDerivationFunc.algorithmParams as asn1js.Sequence).toBER(false),
  );
  // A count below 1 would lower the sum that the limit checks, and no PBKDF2 derivation takes it.
  if (!(iterationCount >= 1)) {
    throw new CmsParseError(`PKCS#12 PBKDF2 iteration count ${iterationCount} is below 1`);
  }
  budget.spent += iterationCount;
  if (budget.spent > MAX_PBKDF2_ITERATIONS) {
    throw new NotSupportedError(
      `PKCS#12 PBKDF2 iteration counts add up to ${budget.spent}, over the limit of ${MAX_PBKDF2_ITERATIONS}: re-export the file with OpenSSL 3 defaults`,
    );
  }
  if (!AES_CBC_OIDS.has(parameters.encryptionScheme.algorithmId)) {
    throw new NotSupportedError(
      `PKCS#12 PBES2 cipher ${parameters.encryptionScheme.algorithmId} is not supported: use AES-CBC`,
    );
  }
}

function certificateOf(bag: pkijs.SafeBag): Uint8Array[] {
  const certBag = bag.bagValue as pkijs.CertBag;
  if (certBag.certId !== OID_X509_CERTIFICATE) return [];
  const value = certBag.certValue as asn1js.OctetString;
  return [new Uint8Array(value.valueBlock.valueHexView)];
}

function privateKeyBytes(info: pkijs.PrivateKeyInfo): Uint8Array {
  return new Uint8Array(info.toSchema().toBER(false));
}

/** Input of {@link buildPkcs12}. */
export interface Pkcs12Input {
  /** PKCS#8 DER of the private key. */
  readonly privateKey: Uint8Array;
  /** End-entity certificate first, then its chain. */
  readonly certificates: readonly Uint8Array[];
  /** A non-empty string, as {@link requireBackupPassword} checks. */
  readonly password: string;
}

/**
 * Writes a PKCS#12 file that OpenSSL 3 reads with its defaults: the key in a
 * PKCS8ShroudedKeyBag and the certificates in an EncryptedData, both with PBES2, PBKDF2 with
 * HMAC-SHA-256 and AES-256-CBC, and an HMAC-SHA-256 MAC over the whole.
 */
export async function buildPkcs12(crypto: Crypto, input: Pkcs12Input): Promise<Uint8Array> {
  requireBackupPassword(input.password);
  const engine = engineFor(crypto);
  const password = new TextEncoder().encode(input.password).buffer;
  const encryption = {
    password,
    // PKIjs generates the IV itself and writes it into the PBES2 parameters.
    contentEncryptionAlgorithm: {
      name: 'AES-CBC',
      length: 256,
    } as pkijs.ContentEncryptionAlgorithm,
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: BACKUP_KDF_ITERATIONS,
  };
  const localKeyId = new pkijs.Attribute({
    type: OID_LOCAL_KEY_ID,
    values: [new asn1js.OctetString({ valueHex: crypto.getRandomValues(new Uint8Array(20)) })],
  });

  const keyBag = new pkijs.PKCS8ShroudedKeyBag({
    parsedValue: pkijs.PrivateKeyInfo.fromBER(input.privateKey.slice()),
  });
  await keyBag.makeInternalValues(encryption, engine);
  const certificateBags = input.certificates.map(
    (certificate, index) =>
      new pkijs.SafeBag({
        bagId: OID_CERT_BAG,
        bagValue: new pkijs.CertBag({
          parsedValue: pkijs.Certificate.fromBER(certificate.slice()),
        }),
        ...(index === 0 ? { bagAttributes: [localKeyId] } : {}),
      }),
  );

  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [
        {
          privacyMode: 0,
          value: new pkijs.SafeContents({
            safeBags: [
              new pkijs.SafeBag({
                bagId: OID_SHROUDED_KEY_BAG,
                bagValue: keyBag,
                bagAttributes: [localKeyId],
              }),
            ],
          }),
        },
        { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certificateBags }) },
      ],
    },
  });
  await authenticatedSafe.makeInternalValues({ safeContents: [{}, encryption] }, engine);

  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues(
    {
      password,
      iterations: BACKUP_MAC_ITERATIONS,
      pbkdf2HashAlgorithm: { name: 'SHA-256' },
      hmacHashAlgorithm: 'SHA-256',
    },
    engine,
  );
  return new Uint8Array(pfx.toSchema().toBER(false));
}
