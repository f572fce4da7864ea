/**
 * The {@link IdentityProvider} on `@mcptt-smime/keystore`: keys generated and kept non-extractable
 * in IndexedDB, certificates from the demo enrolment endpoint or a PKCS#12 file.
 *
 * @module
 */

import { IndexedDbKeyStore } from '@mcptt-smime/keystore';
import { bytesEqual, pemDecode } from '@mcptt-smime/smime';
import type { DemoConfig } from './demo-config.js';
import { EnrolmentRejectedError, type IdentityProvider } from './identity.js';

/** Body of a successful enrolment response of the reference server. */
export interface EnrolmentResponse {
  /** PEM of the issued certificate. */
  readonly certificate: string;
  /** PEM of the certificate of the CA that issued it. */
  readonly caCertificate?: string;
}

/** Opens the browser's keystore once and shares it. */
export function keystoreOpener(): () => Promise<IndexedDbKeyStore> {
  let opening: Promise<IndexedDbKeyStore> | undefined;
  return () => (opening ??= IndexedDbKeyStore.open({ crypto: globalThis.crypto }));
}

/** Creates the identity provider. */
export function createKeystoreIdentities(
  config: DemoConfig,
  openStore: () => Promise<IndexedDbKeyStore>,
): IdentityProvider {
  return {
    storedIdentity: async () => {
      const [first] = await (await openStore()).listIdentities();
      return first === undefined ? undefined : { uri: first.uri, notAfter: first.notAfter };
    },
    enrol: async (uri, oneTimeCode) => {
      const store = await openStore();
      await trustDemoAuthority(store, config);
      const request = await store.createCertificateRequest({ uri });
      try {
        const issued = await requestCertificate(config.enrolUrl, uri, oneTimeCode, request.pem);
        const info = await store.completeEnrolment({
          uri: request.uri,
          certificate: issued.certificate,
          chain: enrolmentChain(issued, await store.getTrustAnchors()),
        });
        return info.uri;
      } catch (error) {
        // The pending private key is of no use without its certificate, so it goes at once.
        await cancelOwnEnrolment(store, request).catch(() => undefined);
        throw error;
      }
    },
    importPkcs12: async (file, password) => {
      const store = await openStore();
      await trustDemoAuthority(store, config);
      return (await store.importPkcs12(file, password)).uri;
    },
    forget: async (uri) => {
      await (await openStore()).deleteIdentity(uri);
    },
  };
}

/**
 * Cancels the pending enrolment of `request` unless another tab of the profile has replaced it
 * with a request of its own for the same MCPTT ID, which stays for that tab to complete.
 * NOTE: the keystore cancels by MCPTT ID only, so a request made between the check and the
 * cancellation is still lost, and that tab's enrolment then fails.
 */
async function cancelOwnEnrolment(
  store: IndexedDbKeyStore,
  request: { readonly uri: string; readonly der: Uint8Array },
): Promise<void> {
  const pending = await store.getPendingRequest(request.uri);
  if (pending !== undefined && bytesEqual(pending.der, request.der)) {
    await store.cancelEnrolment(request.uri);
  }
}

/**
 * Stores the demo's trust anchors and the server's certificate. The dev server publishes them on
 * loopback; a deployment would provision them with the app instead.
 */
async function trustDemoAuthority(store: IndexedDbKeyStore, config: DemoConfig): Promise<void> {
  const known = new Set((await store.getTrustAnchors()).map(toHex));
  for (const pem of config.trustAnchors) {
    for (const der of pemDecode(pem, 'CERTIFICATE')) {
      if (!known.has(toHex(der))) await store.addTrustAnchor(der);
    }
  }
  const [serverCertificate] = pemDecode(config.serverCertificate, 'CERTIFICATE');
  if (serverCertificate === undefined) {
    throw new Error('Server certificate missing from the demo configuration');
  }
  if ((await store.getPeerCertificate(config.serverUri)) === undefined) {
    await store.setPeerCertificate(config.serverUri, serverCertificate);
  }
}

async function requestCertificate(
  url: string,
  uri: string,
  code: string,
  requestPem: string,
): Promise<EnrolmentResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri, code, csr: requestPem }),
  });
  if (!response.ok) {
    throw new EnrolmentRejectedError(response.status, await rejectionReason(response));
  }
  const value = (await response.json()) as Partial<EnrolmentResponse>;
  if (typeof value.certificate !== 'string') {
    throw new Error('Enrolment response has no certificate');
  }
  return {
    certificate: value.certificate,
    ...(typeof value.caCertificate === 'string' ? { caCertificate: value.caCertificate } : {}),
  };
}

/**
 * Returns the intermediate certificates to store with an enrolled identity: the issuing CA's,
 * unless it is one of `trustAnchors` (DER), as the demo's own CA is. An identity enrolled under
 * an intermediate CA then sends that CA with its signatures, so that receivers find a path.
 */
export function enrolmentChain(
  issued: EnrolmentResponse,
  trustAnchors: readonly Uint8Array[],
): Uint8Array[] {
  if (issued.caCertificate === undefined) return [];
  const anchors = new Set(trustAnchors.map(toHex));
  return pemDecode(issued.caCertificate, 'CERTIFICATE').filter((der) => !anchors.has(toHex(der)));
}

/**
 * Returns the reason of a rejected enrolment: the `error` text of the endpoint's JSON response,
 * or undefined when the body has none.
 */
async function rejectionReason(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown };
    if (typeof body.error === 'string') return body.error.slice(0, 200);
  } catch {
    // The body is not JSON, so the status alone is the reason.
  }
  return undefined;
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
