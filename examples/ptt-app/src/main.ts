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
import type { IdentityProvider, StoredIdentity } from './identity.js';
import { openIdentityChannel } from './identity-channel.js';
import { createKeystoreIdentities, keystoreOpener } from './keystore-identities.js';
import { describeError } from './error-text.js';
import { renderEnrolView } from './views/enrol-view.js';

const openStore = keystoreOpener();
const channel = openIdentityChannel();
/** Stops the current screen listening to the other tabs. */
let unlisten: () => void = () => undefined;

async function main(root: HTMLElement): Promise<void> {
  const config = await loadDemoConfig();
  const identities = createKeystoreIdentities(config, openStore);
  const stored = await identities.storedIdentity();
  if (stored === undefined) {
    showEnrolment(root, config, identities);
  } else if (stored.notAfter.getTime() <= Date.now()) {
    showExpired(root, config, identities, stored);
  } else {
    await showConsole(root, config, identities, stored.uri);
  }
}

function showEnrolment(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  existingIdentity?: string,
): void {
  unlisten();
  const enter = (uri: string): void => {
    showConsole(root, config, identities, uri).catch((error: unknown) => fail(root, error));
  };
  root.replaceChildren(
    renderEnrolView({
      identities,
      users: config.users,
      ...(existingIdentity === undefined ? {} : { existingIdentity }),
      onReady: (uri) => {
        channel.post({ type: 'added', uri });
        enter(uri);
      },
      onContinue: enter,
    }),
  );
  // Another tab that enrols makes this screen offer that identity instead of a second one, and
  // one that removes the offered identity takes the offer back.
  unlisten = channel.listen((event) => {
    if (event.type === 'added') showEnrolment(root, config, identities, event.uri);
    else if (event.uri === existingIdentity) showEnrolment(root, config, identities);
  });
}

async function showConsole(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  uri: string,
): Promise<void> {
  unlisten();
  // The SIP stack loads after the first-run screen, which needs only the keystore.
  const { createSdkClient } = await import('./sdk-client.js');
  const client = await createSdkClient(config, uri, openStore);
  mountConsole(root, {
    client,
    coreLogUrl: config.coreLogUrl,
    onForget: () => {
      unlisten();
      client
        .stop()
        .then(() => forget(root, config, identities, uri))
        .catch((error: unknown) => fail(root, error));
    },
  });
  // Once another tab removed this identity, its key is gone, so this tab signs out.
  unlisten = channel.listen((event) => {
    if (event.type !== 'removed' || event.uri !== uri) return;
    unlisten();
    client
      .stop()
      .then(() => showRemoved(root, config, identities, uri))
      .catch((error: unknown) => fail(root, error));
  });
}

/**
 * Removes the identity and its keys, tells the other tabs, and shows the first-run screen. The
 * caller has stopped the identity's client, if it had one.
 */
async function forget(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  uri: string,
): Promise<void> {
  await identities.forget(uri);
  storageAffiliationMemory().clear(uri);
  channel.post({ type: 'removed', uri });
  showEnrolment(root, config, identities);
}

/** Shows that another tab removed the identity of this tab's console. */
function showRemoved(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  uri: string,
): void {
  const setUp = h('button', { type: 'button', class: 'primary' }, 'Set up this device');
  setUp.addEventListener('click', () => showEnrolment(root, config, identities));
  root.replaceChildren(
    h(
      'main',
      { class: 'enrol', 'aria-labelledby': 'removed-title' },
      h('h1', { id: 'removed-title' }, 'This identity was removed'),
      h(
        'p',
        { class: 'status-line', role: 'alert' },
        `Another tab removed ${uri} and its private key from this browser, so this tab has ` +
          'signed out.',
      ),
      setUp,
    ),
  );
}

/**
 * Shows that the certificate of the stored identity has expired, so that the server and the other
 * users would reject each of its messages. Setting up the device again removes the identity.
 */
function showExpired(
  root: HTMLElement,
  config: DemoConfig,
  identities: IdentityProvider,
  stored: StoredIdentity,
): void {
  unlisten();
  const setUp = h('button', { type: 'button', class: 'primary' }, 'Set up this device');
  setUp.addEventListener('click', () => {
    setUp.disabled = true;
    forget(root, config, identities, stored.uri).catch((error: unknown) => fail(root, error));
  });
  root.replaceChildren(
    h(
      'main',
      { class: 'enrol', 'aria-labelledby': 'expired-title' },
      h('h1', { id: 'expired-title' }, 'The certificate has expired'),
      h(
        'p',
        { class: 'status-line', role: 'alert' },
        `The certificate of ${stored.uri} expired on ${stored.notAfter.toLocaleString()}, so ` +
          'the server would reject every message of this device. Set it up again with a new ' +
          'one-time code: that removes the old identity and its private key. If the date of ' +
          'this device is wrong, correct it and reload the page instead.',
      ),
      setUp,
    ),
  );
  // Another tab that enrols or removes an identity changes what this tab should show.
  unlisten = channel.listen(() => {
    unlisten();
    main(root).catch((error: unknown) => fail(root, error));
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
