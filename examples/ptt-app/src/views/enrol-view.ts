/**
 * The first-run screen, with enrolment by a one-time code or import of a PKCS#12 file. The app
 * signs in with the first identity that the browser profile stores, so the screen enrols none
 * while another tab has stored one, and offers that one instead.
 *
 * @module
 */

import type { DemoUser } from '../demo-config.js';
import { h, showWithDetail } from '../dom.js';
import { normaliseEnrolmentCode } from '../enrolment-code.js';
import { describeError, type ErrorText } from '../error-text.js';
import type { IdentityProvider } from '../identity.js';
import { normaliseMcpttId } from '../typed-mcptt-id.js';

/** Options of {@link renderEnrolView}. */
export interface EnrolViewOptions {
  readonly identities: IdentityProvider;
  /** Demo users, offered as suggestions for the MCPTT ID field. */
  readonly users: readonly DemoUser[];
  /** Called with the SIP URI of the identity that this screen enrolled or imported. */
  readonly onReady: (uri: string) => void;
  /** Called when the user goes on with the identity that another tab stored. */
  readonly onContinue: (uri: string) => void;
  /** The identity that another tab stored while this screen was open, if any. */
  readonly existingIdentity?: string;
}

/** Shows progress in the status line, or with `failure` an error. */
type Report = (text: string, failure?: ErrorText) => void;

/**
 * Resolves to true when the browser already stores an identity, which the screen then offers
 * instead of enrolling a second one.
 */
type Guard = () => Promise<boolean>;

/** Builds the first-run screen. */
export function renderEnrolView(options: EnrolViewOptions): HTMLElement {
  const status = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const report: Report = (text, failure) => {
    showWithDetail(
      status,
      failure === undefined ? text : `${text}: ${failure.message}`,
      failure?.detail,
    );
    status.classList.toggle('error', failure !== undefined);
  };

  const existing = h('div', { class: 'card existing', role: 'alert' });
  const showExisting = (uri: string): void => {
    const go = h('button', { type: 'button', class: 'primary' }, `Continue as ${uri}`);
    go.addEventListener('click', () => options.onContinue(uri));
    existing.replaceChildren(
      h(
        'p',
        {},
        `This browser already holds the identity ${uri}, which another tab set up. The app ` +
          'signs in with one identity per browser profile, so it enrols no second one here.',
      ),
      go,
    );
    existing.hidden = false;
    forms
      .querySelectorAll<HTMLInputElement | HTMLButtonElement>('input, button')
      .forEach((control) => {
        control.disabled = true;
      });
    report('');
  };
  const guard: Guard = async () => {
    const stored = await options.identities.storedIdentity();
    if (stored !== undefined) showExisting(stored.uri);
    return stored !== undefined;
  };

  const forms = h(
    'div',
    {},
    buildEnrolForm(options, report, guard),
    buildImportForm(options, report, guard),
  );
  existing.hidden = true;
  if (options.existingIdentity !== undefined) showExisting(options.existingIdentity);

  return h(
    'main',
    { class: 'enrol', 'aria-labelledby': 'enrol-title' },
    h('h1', { id: 'enrol-title' }, 'Set up this device'),
    h(
      'p',
      { class: 'hint' },
      'The private key is generated in this browser and never leaves it. ' +
        'Only a certificate request goes to the enrolment service.',
    ),
    existing,
    forms,
    status,
  );
}

function buildEnrolForm(options: EnrolViewOptions, report: Report, guard: Guard): HTMLFormElement {
  const suggestions = h('datalist', { id: 'demo-users' });
  for (const user of options.users) suggestions.append(h('option', { value: user.id }, user.name));

  const uriInput = h('input', {
    id: 'enrol-uri',
    name: 'uri',
    type: 'text',
    required: true,
    autocomplete: 'username',
    list: 'demo-users',
    placeholder: 'sip:alice@mcptt.example',
  });
  const codeInput = h('input', {
    id: 'enrol-code',
    name: 'code',
    type: 'text',
    required: true,
    autocomplete: 'one-time-code',
    inputmode: 'text',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Enrol');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'enrol-heading' },
    h('h2', { id: 'enrol-heading' }, 'Enrol with a one-time code'),
    h('label', { for: 'enrol-uri' }, 'MCPTT ID'),
    uriInput,
    suggestions,
    h('label', { for: 'enrol-code' }, 'One-time code'),
    codeInput,
    submit,
  );

  const enrol = async (): Promise<void> => {
    if (await guard()) return;
    report('Generating a key pair and requesting a certificate…');
    // The server compares codes exactly, so the field takes them as people type them.
    const code = normaliseEnrolmentCode(codeInput.value);
    codeInput.value = code;
    const uri = normaliseMcpttId(uriInput.value);
    uriInput.value = uri;
    options.onReady(await options.identities.enrol(uri, code));
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    enrol().catch((error: unknown) => {
      submit.disabled = false;
      report('Enrolment failed', describeError(error, { typedUri: true }));
    });
  });
  return form;
}

function buildImportForm(options: EnrolViewOptions, report: Report, guard: Guard): HTMLFormElement {
  const fileInput = h('input', {
    id: 'p12-file',
    name: 'file',
    type: 'file',
    required: true,
    accept: '.p12,.pfx,application/x-pkcs12',
  });
  const passwordInput = h('input', {
    id: 'p12-password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
  });
  const submit = h('button', { type: 'submit' }, 'Import');
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'import-heading' },
    h('h2', { id: 'import-heading' }, 'Or import a PKCS#12 file'),
    h('label', { for: 'p12-file' }, 'Key and certificate (.p12)'),
    fileInput,
    h('label', { for: 'p12-password' }, 'Password'),
    passwordInput,
    submit,
  );

  const importFile = async (file: File): Promise<void> => {
    if (await guard()) return;
    report('Importing…');
    const buffer = await file.arrayBuffer();
    options.onReady(
      await options.identities.importPkcs12(new Uint8Array(buffer), passwordInput.value),
    );
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const file = fileInput.files?.[0];
    if (file === undefined) return;
    submit.disabled = true;
    importFile(file).catch((error: unknown) => {
      submit.disabled = false;
      report('Import failed', describeError(error));
    });
  });
  return form;
}
