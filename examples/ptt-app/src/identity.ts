/**
 * The interface between the first-run screen and the key storage: enrolment with a one-time code,
 * or import of a PKCS#12 file. `sdk-client.ts` implements it on `@mcptt-smime/keystore`.
 *
 * @module
 */

/** The identity stored in this browser. */
export interface StoredIdentity {
  readonly uri: string;
  /** End of its certificate's validity. */
  readonly notAfter: Date;
}

/** Enrolment and import of the local identity. */
export interface IdentityProvider {
  /** Returns the stored identity, or undefined before the first enrolment. */
  storedIdentity(): Promise<StoredIdentity | undefined>;
  /**
   * Generates a non-extractable key pair in the browser, sends a certificate request with the
   * one-time code to the enrolment endpoint, and stores the returned certificate.
   * Resolves to the enrolled SIP URI.
   */
  enrol(uri: string, oneTimeCode: string): Promise<string>;
  /** Imports a key and certificate from a PKCS#12 file. Resolves to the SIP URI of the certificate. */
  importPkcs12(file: Uint8Array, password: string): Promise<string>;
  /** Deletes one stored identity with its keys, and any pending enrolment of its URI. */
  forget(uri: string): Promise<void>;
}

/** The rejection of a certificate request by the enrolment endpoint. */
export class EnrolmentRejectedError extends Error {
  /** HTTP status of the response. */
  readonly status: number;
  /** The endpoint's `error` text, at most 200 characters, or undefined when it gave none. */
  readonly reason: string | undefined;

  constructor(status: number, reason: string | undefined) {
    const suffix = reason === undefined ? '' : `: ${reason}`;
    super(`enrolment rejected with HTTP ${String(status)}${suffix}`);
    this.name = 'EnrolmentRejectedError';
    this.status = status;
    this.reason = reason;
  }
}
