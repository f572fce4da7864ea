/**
 * The interface between the first-run screen and the key storage: enrolment with a one-time code,
 * or import of a PKCS#12 file. `sdk-client.ts` implements it on `@mcptt-smime/keystore`.
 *
 * @module
 */

/** Enrolment and import of the local identity. */
export interface IdentityProvider {
  /** Returns the SIP URI of the stored identity, or undefined before the first enrolment. */
  storedIdentity(): Promise<string | undefined>;
  /**
   * Generates a non-extractable key pair in the browser, sends a certificate request with the
   * one-time code to the enrolment endpoint, and stores the returned certificate.
   * Resolves to the enrolled SIP URI.
   */
  enrol(uri: string, oneTimeCode: string): Promise<string>;
  /** Imports a key and certificate from a PKCS#12 file. Resolves to the SIP URI of the certificate. */
  importPkcs12(file: Uint8Array, password: string): Promise<string>;
  /** Deletes the stored identity. */
  forget(): Promise<void>;
}
