/**
 * Browser entry of the SDK benchmark, bundled by sdk.bench.ts: the latency that the protecting
 * socket adds to one MESSAGE with an MCPTT body, from `send()` to the protected text reaching
 * the wrapped socket.
 */
import { MemoryKeyStore, type LocalIdentity } from '@mcptt-smime/smime';
import { createCertificate, importPrivateKey } from '../../smime/src/cms/index.js';
import { ProtectingSocket } from '../src/core/protecting-socket.js';
import type { SipSocket } from '../src/core/sip-socket.js';
import { SmimePipeline } from '../src/core/smime-pipeline.js';
import { buildMcpttInfo } from '../src/mcptt/mcptt-info.js';

/** Result of one run, in milliseconds. */
export interface SdkBenchResult {
  readonly sdk_added_latency_ms: number;
  readonly samples: number;
}

declare global {
  interface Window {
    runSdkBench: (iterations: number) => Promise<SdkBenchResult>;
  }
}

const EC_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const NOW = new Date('2026-06-01T00:00:00Z');

async function createIdentity(
  uri: string,
  serial: number,
  issuer: { certificate: Uint8Array; key: CryptoKey } | undefined,
): Promise<{ identity: LocalIdentity; key: CryptoKey }> {
  const pair = await crypto.subtle.generateKey(EC_PARAMS, true, ['sign', 'verify']);
  const certificate = await createCertificate({
    crypto,
    subject: uri,
    ...(issuer ? { issuer: issuer.certificate } : {}),
    issuerKey: issuer?.key ?? pair.privateKey,
    publicKey: pair.publicKey,
    serial,
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date('2036-01-01T00:00:00Z'),
    isCa: issuer === undefined,
    ...(issuer ? { uris: [uri] } : {}),
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const keys = await importPrivateKey(crypto, pkcs8);
  return { identity: { uri, certificate, chain: [], ...keys }, key: pair.privateKey };
}

/** A socket that resolves a promise whenever the wrapper hands it a message. */
class TimingSocket implements SipSocket {
  via_transport = 'WSS';
  readonly url = 'wss://127.0.0.1';
  readonly sip_uri = 'sip:127.0.0.1;transport=ws';
  onconnect: () => void = () => undefined;
  ondisconnect: () => void = () => undefined;
  ondata: () => void = () => undefined;
  onSent: (at: number) => void = () => undefined;

  connect(): void {
    this.onconnect();
  }
  disconnect(): void {}
  send(): boolean {
    this.onSent(performance.now());
    return true;
  }
  isConnected(): boolean {
    return true;
  }
  isConnecting(): boolean {
    return false;
  }
}

function message(index: number): string {
  const body = buildMcpttInfo({
    sessionType: 'prearranged',
    requestUri: 'sip:fire-north@mcptt.example.org',
    emergency: true,
    alert: true,
    clientId: 'urn:uuid:00000000-0000-4000-8000-00000000a11c',
  });
  return [
    'MESSAGE sip:mcptt-server@mcptt.example.org SIP/2.0',
    `Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK-bench-${index}`,
    'Max-Forwards: 70',
    'To: <sip:mcptt-server@mcptt.example.org>',
    'From: <sip:alice@mcptt.example.org>;tag=8a1fd0c2',
    `Call-ID: bench-${index}`,
    `CSeq: ${index + 1} MESSAGE`,
    'Content-Type: application/vnd.3gpp.mcptt-info+xml',
    `Content-Length: ${new TextEncoder().encode(body).length}`,
    '',
    body,
  ].join('\r\n');
}

function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value =
    sorted.length % 2 === 1
      ? (sorted[middle] ?? 0)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  return Math.round(value * 1000) / 1000;
}

window.runSdkBench = async (iterations) => {
  const ca = await createIdentity('MCPTT Bench CA', 1, undefined);
  const issuer = { certificate: ca.identity.certificate, key: ca.key };
  const alice = await createIdentity('sip:alice@mcptt.example.org', 2, issuer);
  const server = await createIdentity('sip:mcptt-server@mcptt.example.org', 3, issuer);
  const keyStore = new MemoryKeyStore({
    identities: [alice.identity],
    trustAnchors: [ca.identity.certificate],
  });
  const pipeline = new SmimePipeline({
    crypto,
    keyStore,
    localUri: alice.identity.uri,
    serverCertificates: [server.identity.certificate],
    now: () => NOW,
  });
  const inner = new TimingSocket();
  const socket = new ProtectingSocket(inner, { pipeline, createTag: () => 'bench' });
  socket.connect();

  const warmUp = 20;
  const samples: number[] = [];
  for (let index = 0; index < warmUp + iterations; index += 1) {
    const text = message(index);
    const sent = new Promise<number>((resolve) => {
      inner.onSent = resolve;
    });
    const started = performance.now();
    socket.send(text);
    const finished = await sent;
    if (index >= warmUp) samples.push(finished - started);
  }
  return { sdk_added_latency_ms: median(samples), samples: samples.length };
};
