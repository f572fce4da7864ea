/**
 * The security panel: for each message, whether it was protected, the signer and the algorithms,
 * and on demand the bytes the SIP core relayed beside the plaintext the app got.
 *
 * @module
 */

import type { SecurityRecord } from '../client.js';
import { fetchCoreBodies, matchCoreBodies } from '../core-log.js';
import { formatTime, h } from '../dom.js';
import type { Store } from '../store.js';

/** Options of {@link renderSecurityView}. */
export interface SecurityViewOptions {
  readonly store: Store;
  /** URL of the dev server's core-log endpoint, undefined outside dev mode. */
  readonly coreLogUrl: string | undefined;
}

/** Builds the security panel. */
export function renderSecurityView(options: SecurityViewOptions): HTMLElement {
  const list = h('ol', { class: 'security-list', 'aria-label': 'Security of each message' });
  const rows: RecordRows = new Map();

  let shownRecords: readonly SecurityRecord[] = [];
  options.store.subscribe((state) => {
    // Most changes, such as a call state, leave the records alone: redrawing up to
    // MAX_SECURITY_RECORDS rows for each of them slowed every call down.
    if (state.records === shownRecords) return;
    shownRecords = state.records;

    // Rows are kept by record id, so that an opened row stays open when new records arrive.
    const ids = new Set(state.records.map((record) => record.id));
    for (const [id, { row }] of rows) {
      if (ids.has(id)) continue;
      row.remove();
      rows.delete(id);
    }
    let previous: HTMLElement | undefined;
    for (const record of state.records) {
      const row = rowFor(rows, record, options.coreLogUrl);
      // Records arrive newest first, so a new row goes before the rows already shown, and rows
      // already in place are not moved.
      const expected: Element | null =
        previous === undefined ? list.firstElementChild : previous.nextElementSibling;
      if (expected !== row) list.insertBefore(row, expected);
      previous = row;
    }
  });

  return h(
    'section',
    { class: 'panel security', 'aria-labelledby': 'security-heading' },
    h('h2', { id: 'security-heading' }, 'Security'),
    h(
      'p',
      { class: 'hint' },
      'Each SIP message with an MCPTT body. Open one to compare what the SIP core relayed with what this app got.',
    ),
    list,
  );
}

/** The rows of the panel by record id, with the version of the record that each one shows. */
type RecordRows = Map<string, { readonly record: SecurityRecord; readonly row: HTMLElement }>;

/**
 * Returns the row of a record. A record shown before keeps its row. A changed record, such as a
 * request that failed after it was sent, gets a new row in the place of the old one, open if the
 * old one was.
 */
function rowFor(
  rows: RecordRows,
  record: SecurityRecord,
  coreLogUrl: string | undefined,
): HTMLElement {
  const shown = rows.get(record.id);
  if (shown?.record === record) return shown.row;
  const row = recordRow(record, coreLogUrl);
  if (shown !== undefined) {
    const details = row.querySelector('details');
    if (details !== null) details.open = shown.row.querySelector('details')?.open === true;
    shown.row.replaceWith(row);
  }
  rows.set(record.id, { record, row });
  return row;
}

function recordRow(record: SecurityRecord, coreLogUrl: string | undefined): HTMLElement {
  const verdict = verdictOf(record);
  const coreView = h('pre', { class: 'bytes core-bytes', tabindex: '0' }, 'Open to load…');
  const details = h(
    'details',
    { class: `record ${verdict.className}` },
    h(
      'summary',
      {},
      h(
        'span',
        { class: 'record-dir', 'aria-label': record.direction === 'in' ? 'Received' : 'Sent' },
        record.direction === 'in' ? '↓' : '↑',
      ),
      h('span', { class: 'record-method' }, record.method),
      h('span', { class: 'record-summary' }, record.summary),
      h('span', { class: `badge ${verdict.className}` }, verdict.label),
    ),
    h('dl', { class: 'record-facts' }, ...facts(record)),
    h(
      'div',
      { class: 'compare' },
      h('div', {}, h('h3', {}, 'What the SIP core saw'), coreView),
      h(
        'div',
        {},
        h('h3', {}, 'What this app got'),
        h('pre', { class: 'bytes app-bytes', tabindex: '0' }, record.plaintext),
      ),
    ),
  );

  let loaded = false;
  details.addEventListener('toggle', () => {
    if (!details.open || loaded) return;
    loaded = true;
    loadCoreView(coreView, record, coreLogUrl);
  });
  return h('li', { 'data-call-id': record.callId }, details);
}

function loadCoreView(target: HTMLElement, record: SecurityRecord, url: string | undefined): void {
  if (url === undefined) {
    target.textContent = 'The core body log is served in dev mode only.';
    return;
  }
  target.textContent = 'Loading…';
  fetchCoreBodies(url, record.callId).then(
    (bodies) => {
      const matching = matchCoreBodies(bodies, record.method);
      target.textContent =
        matching.length === 0
          ? 'No body logged by the core for this message yet.'
          : matching.map((b) => b.body).join('\n\n──────── next copy ────────\n\n');
    },
    (error: unknown) => {
      target.textContent = error instanceof Error ? error.message : String(error);
    },
  );
}

function verdictOf(record: SecurityRecord): { label: string; className: string } {
  // The badge gives the status of the error response, such as 408 for a request that timed out.
  if (record.failure !== undefined) {
    return { label: `FAILED · ${record.failure.split(' ')[0] ?? ''}`, className: 'failed' };
  }
  if (record.security?.protected === true) return { label: 'PROTECTED', className: 'protected' };
  // Only outgoing messages seen protected on the wire are recorded; the SDK verifies incoming ones.
  if (record.security === undefined) return { label: 'SENT · S/MIME', className: 'sent' };
  return { label: 'CLEAR', className: 'clear' };
}

function facts(record: SecurityRecord): HTMLElement[] {
  const entries: [string, string][] = [
    ['Time', formatTime(record.at)],
    ['Call-ID', record.callId],
  ];
  if (record.failure !== undefined) entries.push(['Failed with', record.failure]);
  const security = record.security;
  if (security !== undefined) {
    entries.push(['Signed', security.signed ? 'yes' : 'no']);
    entries.push(['Encrypted', security.encrypted ? 'yes' : 'no']);
    entries.push(['Signer', security.signerUri ?? '—']);
    for (const [role, name] of Object.entries(security.algorithms)) {
      entries.push([algorithmLabel(role), name]);
    }
  }
  return entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]);
}

/** Labels of the algorithm roles that the SDK's security result names. */
const ALGORITHM_LABELS: Readonly<Record<string, string>> = {
  signature: 'Signature',
  digest: 'Digest',
  smimeType: 'S/MIME type',
  contentEncryption: 'Content encryption',
  keyManagement: 'Key management',
};

/** Returns the label of an algorithm role, so that `contentEncryption` reads `Content encryption`. */
function algorithmLabel(role: string): string {
  const known = ALGORITHM_LABELS[role];
  if (known !== undefined) return known;
  const words = role.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
