/**
 * Test page for envelopes made in a real dedicated worker. It builds a small PKI in the page,
 * protects messages with envelopes from a worker script (which may be missing), and opens them as
 * the server.
 */
import { createCertificate, importPrivateKey } from '../../src/cms/index.js';
import { SipMessage } from '../../src/sip/message.js';
import { EnvelopePool, type EnvelopeSource } from '../../src/smime/envelope-pool.js';
import {
  serveEnvelopes,
  workerEnvelopePreparer,
  type EnvelopePort,
} from '../../src/smime/envelope-worker.js';
import type { LocalIdentity } from '../../src/smime/key-store.js';
import { protectMessage } from '../../src/smime/protect.js';
import { unprotectMessage } from '../../src/smime/unprotect.js';

/** Outcome that the page reports for one worker script. */
export interface EnvelopePageOutcome {
  readonly filled: boolean;
  /** Envelopes that protect took from the pool, out of three messages. */
  readonly envelopesTaken: number;
  /** The body that the server read back from each message. */
  readonly opened: readonly string[];
  readonly signerUri: string | undefined;
  /** True when no message showed the secret to the SIP core. */
  readonly ciphertextOnly: boolean;
}

declare global {
  interface Window {
    envelopePage: { run(source: string): Promise<EnvelopePageOutcome> };
  }
}

const SECRET = 'access-token-in-worker-test';
const NOW = new Date('2026-06-01T00:00:00Z');

async function createIdentity(
  uri: string,
  serial: number,
  issuer?: { certificate: Uint8Array; key: CryptoKey },
): Promise<{ identity: LocalIdentity; key: CryptoKey }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const certificate = await createCertificate({
    crypto,
    subject: uri,
    ...(issuer ? { issuer: issuer.certificate, uris: [uri] } : {}),
    issuerKey: issuer?.key ?? pair.privateKey,
    publicKey: pair.publicKey,
    serial,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2027-01-01T00:00:00Z'),
    isCa: issuer === undefined,
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const keys = await importPrivateKey(crypto, pkcs8);
  return { identity: { uri, certificate, chain: [], ...keys }, key: pair.privateKey };
}

function message(): SipMessage {
  const body = `<mcptt-info><access-token>${SECRET}</access-token></mcptt-info>`;
  return SipMessage.parse(
    new TextEncoder().encode(
      [
        'MESSAGE sip:mcptt-server@example.org SIP/2.0',
        'Via: SIP/2.0/WSS 192.0.2.10;branch=z9hG4bK-worker',
        'Max-Forwards: 70',
        'From: <sip:alice@example.org>;tag=a1',
        'To: <sip:mcptt-server@example.org>',
        'Call-ID: worker-test',
        'CSeq: 1 MESSAGE',
        'Content-Type: application/vnd.3gpp.mcptt-info+xml',
        `Content-Length: ${body.length}`,
        '',
        body,
      ].join('\r\n'),
    ),
  );
}

/**
 * Opens the page's end of the channel: a worker at the URL `source`, or with `port`, a
 * `MessageChannel` whose other end serves envelopes in the page itself.
 */
function openChannel(source: string): { port: EnvelopePort; close: () => void } {
  if (source === 'port') {
    const { port1, port2 } = new MessageChannel();
    serveEnvelopes(port2, crypto);
    return { port: port1, close: () => port1.close() };
  }
  const worker = new Worker(source);
  return { port: worker, close: () => worker.terminate() };
}

async function run(source: string): Promise<EnvelopePageOutcome> {
  const ca = await createIdentity('Worker Test CA', 1);
  const issuer = { certificate: ca.identity.certificate, key: ca.key };
  const alice = await createIdentity('sip:alice@example.org', 2, issuer);
  const server = await createIdentity('sip:mcptt-server@example.org', 3, issuer);
  const recipients = [server.identity.certificate];

  const channel = openChannel(source);
  const pool = new EnvelopePool({ prepare: workerEnvelopePreparer(channel.port) });
  const filled = await pool.fill(recipients, 'aes-256-gcm');
  let envelopesTaken = 0;
  const envelopes: EnvelopeSource = {
    take: (wanted, algorithm) => {
      const envelope = pool.take(wanted, algorithm);
      if (envelope !== undefined) envelopesTaken++;
      return envelope;
    },
  };

  const opened: string[] = [];
  let signerUri: string | undefined;
  let ciphertextOnly = true;
  for (let i = 0; i < 3; i++) {
    const sent = await protectMessage(message(), {
      crypto,
      signer: alice.identity,
      recipients,
      now: () => NOW,
      envelopes,
    });
    if (new TextDecoder().decode(sent.toBytes()).includes(SECRET)) ciphertextOnly = false;
    const result = await unprotectMessage(sent, {
      crypto,
      identity: server.identity,
      trustAnchors: [ca.identity.certificate],
      now: () => NOW,
    });
    opened.push(new TextDecoder().decode(result.message.body));
    signerUri = result.security.signerUri;
  }
  pool.close();
  channel.close();
  return { filled, envelopesTaken, opened, signerUri, ciphertextOnly };
}

window.envelopePage = { run };
