/**
 * Layout preview of the console with the scripted client, for checking the design at several
 * widths without a SIP core. Dev server only; nothing here is sent anywhere.
 */
import '../src/styles.css';
import { mountConsole } from '../src/app.js';
import { FakeClient } from './fake-client.js';

const domain = 'mcptt.example';
// The layout tests give the first group another name, such as a long one, with ?group=NAME.
const firstGroupName = new URLSearchParams(window.location.search).get('group') ?? 'Fire Team 1';
const client = new FakeClient(
  `sip:alice@${domain}`,
  'Alice (Dispatch)',
  [
    { id: `sip:fire-1@${domain}`, name: firstGroupName, affiliated: true },
    { id: `sip:ems-north@${domain}`, name: 'EMS North', affiliated: false },
  ],
  [
    { id: `sip:bob@${domain}`, name: 'Bob' },
    { id: `sip:carol@${domain}`, name: 'Carol' },
    // A name as long as the demo's own, which must wrap between its words.
    { id: `sip:dave@${domain}`, name: 'Dave (ambulance 3)' },
  ],
);

// The browser tests read what the views asked of the client, and script its callbacks.
const page = window as unknown as {
  fakeActions: unknown;
  fakeClient: unknown;
  forgetRequests: number;
};
page.fakeActions = client.actions;
page.fakeClient = client;
// Counts the requests to remove the identity, which the preview has none of.
page.forgetRequests = 0;

const root = document.getElementById('app');
if (root !== null) {
  mountConsole(root, {
    client,
    coreLogUrl: undefined,
    onForget: () => {
      page.forgetRequests += 1;
    },
  });
  const d = client.delegate;
  const callId = 'a84b4c76e66710@127.0.0.1';
  d.onCall?.({
    id: callId,
    kind: 'group',
    direction: 'outgoing',
    groupId: `sip:fire-1@${domain}`,
    peerId: undefined,
    emergency: false,
    emergencyCaller: false,
    emergencyAtSetUp: false,
    state: 'confirmed',
    reason: undefined,
    floor: { phase: 'taken', holder: `sip:bob@${domain}`, emergency: false },
  });
  d.onTalker?.(callId, `sip:bob@${domain}`);
  const at = new Date('2026-01-01T10:00:00Z');
  d.onShortData?.({
    id: '1',
    direction: 'in',
    from: `sip:bob@${domain}`,
    conversation: { kind: 'group', id: `sip:fire-1@${domain}` },
    text: 'On scene at the north gate',
    at,
  });
  d.onSecurityRecord?.({
    id: 'r1',
    direction: 'in',
    method: 'MESSAGE',
    callId: 'm1',
    summary: 'Short data from bob',
    plaintext: 'On scene at the north gate',
    security: {
      protected: true,
      encrypted: true,
      signed: true,
      signerUri: `sip:bob@${domain}`,
      algorithms: {
        smimeType: 'authEnveloped-data',
        contentEncryption: 'aes-256-gcm',
        keyManagement: 'ECDH P-256, HKDF-SHA256, AES-256 key wrap',
        signature: 'ecdsa-with-SHA256',
        digest: 'SHA-256',
      },
    },
    at,
  });
}
