/**
 * The {@link PttClient} and {@link IdentityProvider} of the app, on `@mcptt-smime/sdk` and
 * `@mcptt-smime/keystore`.
 *
 * @module
 */

import type { PttClient } from './client.js';
import type { DemoConfig } from './demo-config.js';
import type { IdentityProvider } from './identity.js';

// TODO: wire to the SDK and keystore once their public entries export the MCPTT client and
// enrolment; until then the app stops at this error instead of pretending to work.
const notWired = (): Error => new Error('The MCPTT SDK is not wired into the demo app yet');

/** Creates the identity provider on the browser's keystore. */
export function createSdkIdentityProvider(_config: DemoConfig): IdentityProvider {
  return {
    storedIdentity: () => Promise.resolve(undefined),
    enrol: () => Promise.reject(notWired()),
    importPkcs12: () => Promise.reject(notWired()),
    forget: () => Promise.resolve(),
  };
}

/** Creates the MCPTT client for a stored identity. */
export function createSdkClient(_config: DemoConfig, _uri: string): Promise<PttClient> {
  return Promise.reject(notWired());
}
