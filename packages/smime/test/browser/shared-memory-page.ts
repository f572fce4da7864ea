/**
 * Page for the shared-memory test: parses a MIME entity and a SIP message whose bytes lie in a
 * SharedArrayBuffer, and reports what each parse gave.
 */
import { utf8Decode } from '../../src/bytes.js';
import { MimeEntity } from '../../src/mime/entity.js';
import { SipMessage } from '../../src/sip/message.js';

/** Outcome of each parse: `ok` and the value read, or the error's name and message. */
export interface SharedMemoryOutcome {
  readonly isolated: boolean;
  readonly mime: string;
  readonly sip: string;
  readonly text: string;
}

declare global {
  interface Window {
    sharedMemoryPage: { run(): SharedMemoryOutcome };
  }
}

function shared(text: string): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  const view = new Uint8Array(new SharedArrayBuffer(encoded.length));
  view.set(encoded);
  return view;
}

function outcome(parse: () => string): string {
  try {
    return `ok ${parse()}`;
  } catch (error) {
    const { name, message } = error as Error;
    return `${name}: ${message}`;
  }
}

const SIP_REQUEST = [
  'MESSAGE sip:bob@example.org SIP/2.0',
  'Via: SIP/2.0/WSS a.example.org;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'From: <sip:alice@example.org>;tag=1',
  'To: <sip:bob@example.org>',
  'Call-ID: c1',
  'CSeq: 1 MESSAGE',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

window.sharedMemoryPage = {
  run() {
    return {
      isolated: crossOriginIsolated,
      mime: outcome(
        () => MimeEntity.parse(shared('Content-Type: text/plain\r\n\r\nhi')).contentType.mediaType,
      ),
      sip: outcome(() => SipMessage.parse(shared(SIP_REQUEST)).method),
      text: outcome(() => utf8Decode(shared('Grüße'), true)),
    };
  },
};
