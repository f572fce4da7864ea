/**
 * Reader of RecipientInfo (RFC 5652 §6.2).
 *
 * ```asn1
 * RecipientInfo ::= CHOICE {
 *   ktri KeyTransRecipientInfo,
 *   kari [1] KeyAgreeRecipientInfo,
 *   kekri [2] KEKRecipientInfo,
 *   pwri [3] PasswordRecipientinfo,
 *   ori [4] OtherRecipientInfo }
 *
 * KeyTransRecipientInfo ::= SEQUENCE {
 *   version CMSVersion, rid RecipientIdentifier,
 *   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier, encryptedKey EncryptedKey }
 *
 * KeyAgreeRecipientInfo ::= SEQUENCE {
 *   version CMSVersion, originator [0] EXPLICIT OriginatorIdentifierOrKey,
 *   ukm [1] EXPLICIT UserKeyingMaterial OPTIONAL,
 *   keyEncryptionAlgorithm KeyEncryptionAlgorithmIdentifier,
 *   recipientEncryptedKeys RecipientEncryptedKeys }
 *
 * OriginatorIdentifierOrKey ::= CHOICE {
 *   issuerAndSerialNumber IssuerAndSerialNumber,
 *   subjectKeyIdentifier [0] SubjectKeyIdentifier,
 *   originatorKey [1] OriginatorPublicKey }
 * OriginatorPublicKey ::= SEQUENCE { algorithm AlgorithmIdentifier, publicKey BIT STRING }
 * RecipientEncryptedKey ::= SEQUENCE { rid KeyAgreeRecipientIdentifier, encryptedKey EncryptedKey }
 * ```
 *
 * @module
 */

import { CmsParseError, LimitExceededError } from '../errors.js';
import { MAX_RECIPIENTS } from '../limits.js';
import {
  type AlgorithmIdentifier,
  type Asn1Node,
  TAG,
  childrenOf,
  isContext,
  isUniversal,
  readAlgorithm,
  readBitString,
  readExplicit,
  readOctets,
  readSequence,
  readSmallInteger,
} from './der.js';
import { readRecipientIdentifier, type RecipientIdentifier } from './recipient-identifier.js';

/** A KeyTransRecipientInfo. */
export interface KeyTransRecipient {
  readonly type: 'ktri';
  readonly rid: RecipientIdentifier;
  readonly keyEncryptionAlgorithm: AlgorithmIdentifier;
  readonly encryptedKey: Uint8Array;
}

/** A KeyAgreeRecipientInfo whose originator is an ephemeral public key. */
export interface KeyAgreeRecipient {
  readonly type: 'kari';
  /** Undefined when the originator is identified by certificate rather than by key. */
  readonly originatorKey:
    { readonly algorithm: AlgorithmIdentifier; readonly publicKey: Uint8Array } | undefined;
  readonly ukm: Uint8Array | undefined;
  readonly keyEncryptionAlgorithm: AlgorithmIdentifier;
  readonly recipientEncryptedKeys: readonly {
    readonly rid: RecipientIdentifier;
    readonly encryptedKey: Uint8Array;
  }[];
}

/** A RecipientInfo of a kind this library does not process. */
export interface OtherRecipient {
  readonly type: 'kekri' | 'pwri' | 'ori';
  /** The RecipientInfo as received, read only to describe it. */
  readonly node: Asn1Node;
}

/** One parsed RecipientInfo. */
export type RecipientInfo = KeyTransRecipient | KeyAgreeRecipient | OtherRecipient;

const OTHER_TYPES = ['kekri', 'pwri', 'ori'] as const;

/** Reads `RecipientInfos ::= SET SIZE (1..MAX) OF RecipientInfo`. */
export function readRecipientInfos(node: Asn1Node | undefined): RecipientInfo[] {
  const infos = readSequence(node, 'recipientInfos', TAG.set);
  if (infos.length === 0) throw new CmsParseError('recipientInfos is empty');
  if (infos.length > MAX_RECIPIENTS) {
    throw new LimitExceededError(`more than ${MAX_RECIPIENTS} recipients (MAX_RECIPIENTS)`);
  }
  return infos.map(readRecipientInfo);
}

/** Reads one RecipientInfo, raising CmsParseError when it is malformed. */
export function readRecipientInfo(node: Asn1Node): RecipientInfo {
  if (isUniversal(node, TAG.sequence)) return readKeyTrans(node);
  if (isContext(node, 1)) return readKeyAgree(node);
  for (const [index, type] of OTHER_TYPES.entries()) {
    if (isContext(node, index + 2)) return { type, node };
  }
  throw new CmsParseError('RecipientInfo is malformed');
}

function readKeyTrans(node: Asn1Node): KeyTransRecipient {
  const [version, rid, algorithm, encryptedKey, extra] = readSequence(
    node,
    'KeyTransRecipientInfo',
  );
  const versionNumber = readSmallInteger(version, 'KeyTransRecipientInfo version');
  if (
    encryptedKey === undefined ||
    extra !== undefined ||
    !isUniversal(encryptedKey, TAG.octetString)
  ) {
    throw new CmsParseError('KeyTransRecipientInfo is malformed');
  }
  const recipientId = readRecipientIdentifier(rid, 'KeyTransRecipientInfo rid');
  // RFC 5652 §6.2.1: version 0 with issuerAndSerialNumber, 2 with subjectKeyIdentifier.
  checkVersion(
    'KeyTransRecipientInfo version',
    versionNumber,
    recipientId.kind === 'issuerAndSerialNumber' ? 0 : 2,
  );
  return {
    type: 'ktri',
    rid: recipientId,
    keyEncryptionAlgorithm: readAlgorithm(algorithm, 'keyEncryptionAlgorithm'),
    encryptedKey: readOctets(encryptedKey, 'encryptedKey'),
  };
}

function readKeyAgree(node: Asn1Node): KeyAgreeRecipient {
  const fields = childrenOf(node, 'KeyAgreeRecipientInfo');
  // RFC 5652 §6.2.2: always 3.
  checkVersion(
    'KeyAgreeRecipientInfo version',
    readSmallInteger(fields[0], 'KeyAgreeRecipientInfo version'),
    3,
  );
  const originator = fields[1];
  if (originator === undefined || !isContext(originator, 0)) {
    throw new CmsParseError('originator is missing');
  }

  let index = 2;
  let ukm: Uint8Array | undefined;
  const maybeUkm = fields[index];
  if (maybeUkm !== undefined && isContext(maybeUkm, 1)) {
    ukm = readOctets(readExplicit(maybeUkm, 'ukm'), 'ukm');
    index++;
  }
  const keyEncryptionAlgorithm = readAlgorithm(fields[index], 'keyEncryptionAlgorithm');
  const encryptedKeys = readSequence(fields[index + 1], 'recipientEncryptedKeys');
  if (fields.length !== index + 2) throw new CmsParseError('KeyAgreeRecipientInfo is malformed');
  if (encryptedKeys.length > MAX_RECIPIENTS) {
    throw new LimitExceededError(`more than ${MAX_RECIPIENTS} recipients (MAX_RECIPIENTS)`);
  }

  return {
    type: 'kari',
    originatorKey: readOriginatorKey(readExplicit(originator, 'originator')),
    ukm,
    keyEncryptionAlgorithm,
    recipientEncryptedKeys: encryptedKeys.map((entry) => {
      const [rid, encryptedKey, extra] = readSequence(entry, 'RecipientEncryptedKey');
      if (
        encryptedKey === undefined ||
        extra !== undefined ||
        !isUniversal(encryptedKey, TAG.octetString)
      ) {
        throw new CmsParseError('RecipientEncryptedKey is malformed');
      }
      return {
        rid: readRecipientIdentifier(rid, 'RecipientEncryptedKey rid'),
        encryptedKey: readOctets(encryptedKey, 'encryptedKey'),
      };
    }),
  };
}

function readOriginatorKey(node: Asn1Node): KeyAgreeRecipient['originatorKey'] {
  if (!isContext(node, 1)) return undefined;
  const [algorithm, publicKey, extra] = childrenOf(node, 'originatorKey');
  if (extra !== undefined) throw new CmsParseError('originatorKey is malformed');
  return {
    algorithm: readAlgorithm(algorithm, 'originatorKey algorithm'),
    publicKey: readBitString(publicKey, 'originatorKey publicKey'),
  };
}

/**
 * Raises CmsParseError naming `field` when a version number is not the one that the standard
 * gives the structure, so that a structure whose version contradicts its contents is never
 * decrypted.
 */
export function checkVersion(field: string, version: number, expected: number): void {
  if (version !== expected) {
    throw new CmsParseError(`${field} is ${version}, expected ${expected}`);
  }
}
