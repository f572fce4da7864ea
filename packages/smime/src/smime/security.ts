/**
 * The security outcome of unprotecting one message, and its collector.
 *
 * @module
 */

import type { SipHeader } from '../sip/message.js';

/**
 * Nesting order of the signature and the encryption: `sign-then-encrypt` puts the SignedData
 * inside the envelope, `encrypt-then-sign` signs the envelope (the order of RFC 3261 §23.2).
 */
export type NestingOrder = 'sign-then-encrypt' | 'encrypt-then-sign';

/** Security outcome of one message. */
export interface SecurityInfo {
  /** True when at least one part was encrypted or signed. */
  readonly protected: boolean;
  /** True when at least one part was encrypted. */
  readonly encrypted: boolean;
  /** True when at least one part was signed by a verified signer. */
  readonly signed: boolean;
  /** The signer's SIP URI that matched the From URI (request) or To URI (response). */
  readonly signerUri: string | undefined;
  /** DER of the signer certificate. */
  readonly signerCertificate: Uint8Array | undefined;
  /**
   * DER of the other certificates that the signer's SignedData carried, such as the intermediate
   * CAs of its path. Keep them with `signerCertificate` to check that certificate again later,
   * for example against newer revocation lists. Empty when there is no signer.
   */
  readonly signerIntermediates: readonly Uint8Array[];
  /**
   * The signer's signingTime attribute, when the signature has one. It is the signer's claim,
   * covered by the signature, and shows how old a replayed body is. With several signatures it
   * is the oldest, and it is absent when one of them has none, because a part of an old message
   * may have been put next to a fresh one.
   */
  readonly signingTime?: Date;
  /**
   * Algorithms, for example `{ signature: 'ecdsa-with-SHA256', digest: 'sha-256',
   * contentEncryption: 'aes-256-gcm', keyManagement: '...', smimeType: 'authEnveloped-data' }`.
   * The signature entries are those of the outermost signature. The envelope entries are those of
   * the weakest envelope, because the SIP core may reorder parts: one without integrity
   * (`enveloped-data`) before one with it, then the shorter content key.
   */
  readonly algorithms: Readonly<Record<string, string>>;
  /** Media types of the parts that arrived protected. */
  readonly protectedParts: readonly string[];
  /**
   * Header fields that a verified signature covers, from the signed `message/sipfrag` parts
   * (RFC 3261 §23.4), in order. Each equals the same-named fields of the message, or the message
   * was rejected. Only these values are the signer's, and every other header field may come from
   * the SIP core. Empty when the signed content had no such part.
   */
  readonly protectedHeaders: readonly SipHeader[];
  /**
   * True when the message's SDP arrived signed, or its DTLS certificate fingerprints equal those
   * of a signed copy (`bindSdp` of `protectMessage`). False without SDP, and for an SDP that no
   * signature covers, whose fingerprints the SIP core may have replaced.
   */
  readonly sdpBound: boolean;
  /**
   * Nesting order of a part that was both signed and encrypted, undefined when no part was. When
   * parts differ, `encrypt-then-sign` wins, because it is the weaker: the signature covers the
   * ciphertext, so it does not prove that the signer wrote the content.
   */
  readonly order: NestingOrder | undefined;
}

/** Collects what each opened S/MIME layer contributes to a {@link SecurityInfo}. */
export class SecurityCollector {
  encrypted = false;
  signed = false;
  signerUri: string | undefined;
  signerCertificate: Uint8Array | undefined;
  signerIntermediates: readonly Uint8Array[] = [];
  signingTime: Date | undefined;
  order: NestingOrder | undefined;
  sdpBound = false;
  readonly #algorithms: Record<string, string> = {};
  readonly #protectedParts: string[] = [];
  readonly #protectedHeaders: SipHeader[] = [];

  /** Records an algorithm unless an outer layer already recorded one under this name. */
  setAlgorithm(name: string, value: string): void {
    this.#algorithms[name] ??= value;
  }

  /** Records the algorithms of an envelope when it is weaker than every one recorded before. */
  setEnvelope(smimeType: string, contentEncryption: string, keyManagement: string): void {
    const recorded = this.#algorithms;
    if (
      recorded.smimeType !== undefined &&
      recorded.contentEncryption !== undefined &&
      envelopeStrength(smimeType, contentEncryption) >=
        envelopeStrength(recorded.smimeType, recorded.contentEncryption)
    ) {
      return;
    }
    recorded.smimeType = smimeType;
    recorded.contentEncryption = contentEncryption;
    recorded.keyManagement = keyManagement;
  }

  /**
   * Records a verified signature: the first signer, and the oldest signingTime of all signatures,
   * none once a signature lacks it.
   */
  setSigner(
    uri: string,
    certificate: Uint8Array,
    intermediates: readonly Uint8Array[],
    signingTime?: Date,
  ): void {
    const first = !this.signed;
    this.signed = true;
    if (first) {
      this.signingTime = signingTime;
    } else if (signingTime === undefined || this.signingTime === undefined) {
      this.signingTime = undefined;
    } else if (signingTime < this.signingTime) {
      this.signingTime = signingTime;
    }
    if (this.signerUri !== undefined) return;
    this.signerUri = uri;
    this.signerCertificate = certificate;
    this.signerIntermediates = intermediates;
  }

  /** Records a nesting order; `encrypt-then-sign` replaces `sign-then-encrypt`. */
  setOrder(order: NestingOrder): void {
    if (this.order !== 'encrypt-then-sign') this.order = order;
  }

  /** Records the media type of a part that arrived protected. */
  addProtectedPart(mediaType: string): void {
    this.#protectedParts.push(mediaType);
  }

  /** Records header fields that a verified signature covers. */
  addProtectedHeaders(headers: readonly SipHeader[]): void {
    for (const { name, value } of headers) this.#protectedHeaders.push({ name, value });
  }

  /** Returns the collected outcome. */
  toSecurityInfo(): SecurityInfo {
    return {
      protected: this.encrypted || this.signed,
      encrypted: this.encrypted,
      signed: this.signed,
      signerUri: this.signerUri,
      signerCertificate: this.signerCertificate,
      signerIntermediates: [...this.signerIntermediates],
      ...(this.signingTime === undefined ? {} : { signingTime: new Date(this.signingTime) }),
      algorithms: { ...this.#algorithms },
      protectedParts: [...this.#protectedParts],
      protectedHeaders: this.#protectedHeaders.map((header) => ({ ...header })),
      sdpBound: this.sdpBound,
      order: this.order,
    };
  }
}

/**
 * Ranks an envelope: integrity counts first, then the key length read from names such as
 * `aes-256-gcm`.
 */
function envelopeStrength(smimeType: string, contentEncryption: string): number {
  const keyBits = Number(/^aes-(\d+)-/.exec(contentEncryption)?.[1] ?? 0);
  return (smimeType === 'authEnveloped-data' ? 1_000_000 : 0) + keyBits;
}
