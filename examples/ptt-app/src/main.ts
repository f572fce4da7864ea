/**
 * Entry point of the demo app: loads the demo configuration, then shows the first-run screen or,
 * once an identity is stored, the console.
 *
 * @module
 */

import './styles.css';
import { storageAffiliationMemory } from './affiliation.js';
import { mountConsole } from './app.js';
import { loadDemoConfig, type DemoConfig } from './demo-config.js';
import { h, showWithDetail } from './dom.js';
import type { IdentityProvider } from './identity.js';
import { createKeystoreIdentities, keystoreOpener } from './keystore-identities.js';
import { describeError } from './error-text.js';
import { renderEnrolView } from './views/enrol-view.js';

const openStore = keystoreOpener();

async function main(root: HTMLElement): Promise<void> {
  const config = await loadDemoConfig();
  const identities = createKeystoreIdentities(config, openStore);
  const uri = await identities.storedIdentity();
  if (uri === undefined) {
    showEnrolment(root, config, identities);
  } else {
    await showConsole(root, config, identities, uri);
  }
}

function showEnrolment(root: HTMLElement, config: DemoConfig, identities: IdentityProvider): void {
  root.replaceChildren(
    renderEnrolView({
      identities,
      users: config.users,
      onReady: (uri) => {
        showConsole(root, config, identities, uri).catch((error: unknown) => fail(root, error));
      },
    }),
  );
}

async function showConsole(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  uri: string,
): Promise<void> {
  // The SIP stack loads after the first-run screen, which needs only the keystore.
  const { createSdkClient } = await import('./sdk-client.js');
  const client = await createSdkClient(config, uri, openStore);
  mountConsole(root, {
    client,
    coreLogUrl: config.coreLogUrl,
    onForget: () => {
      client
        .stop()
        .then(() => identities.forget(uri))
        .then(() => storageAffiliationMemory().clear(uri))
        .then(() => showEnrolment(root, config, identities))
        .catch((error: unknown) => fail(root, error));
    },
  });
}

function fail(root: HTMLElement, error: unknown): void {
  root.replaceChildren(
    h('main', { class: 'enrol' }, h('h1', {}, 'The app could not start'), failureLine(error)),
  );
}

function failureLine(error: unknown): HTMLElement {
  const line = h('p', { class: 'status-line error', role: 'alert' });
  const { message, detail } = describeError(error);
  showWithDetail(line, message, detail);
  return line;
}

const root = document.getElementById('app');
if (root !== null) main(root).catch((error: unknown) => fail(root, error));
