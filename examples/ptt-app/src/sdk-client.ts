/**
 * The {@link PttClient} and {@link IdentityProvider} of the app, on `@mcptt-smime/sdk` and
 * `@mcptt-smime/keystore`.
 *
 * @module
 */

import type { PttClient } from './client.js';
import type { DemoConfig } from './demo-config.js';
import type { IdentityProvider } from './identity.js';
import { createKeystoreIdentities, keystoreOpener } from './keystore-identities.js';

const openStore = keystoreOpener();

// TODO: wire to the SDK once its public entry exports the MCPTT client; until then the console
// stops at this error instead of pretending to work.
const notWired = (): Error => new Error('The MCPTT SDK is not wired into the demo app yet');

/** Creates the identity provider on the browser's keystore. */
export function createSdkIdentityProvider(config: DemoConfig): IdentityProvider {
  return createKeystoreIdentities(config, openStore);
}

/** Creates the MCPTT client for a stored identity. */
export function createSdkClient(_config: DemoConfig, _uri: string): Promise<PttClient> {
  return Promise.reject(notWired());
}
