/**
 * The body log of the SIP core: every body the core relayed, between fixed markers, so that a test
 * can prove what the core saw. Kamailio writes the records with `xlog` (see kamailio.cfg), and the
 * embedded relay writes the same format.
 *
 * ```
 * --- sip-core body begin: request MESSAGE call-id=a84b4c76e66710 length=11 ---
 * hello world
 * --- sip-core body end ---
 * --- sip-core body begin: reply 200 INVITE call-id=a84b4c76e66710 length=420 ---
 * ...
 * --- sip-core body end ---
 * ```
 *
 * @module
 */

/** Start of the begin marker; the rest of that line describes the message. */
export const BODY_BEGIN_MARKER = '--- sip-core body begin: ';

/** The end marker line. */
export const BODY_END_MARKER = '--- sip-core body end ---';

/** One body that crossed the core. */
export interface BodyRecord {
  readonly kind: 'request' | 'reply';
  /** Method of the request, or the CSeq method of the reply. */
  readonly method: string;
  /** Status code of a reply, undefined for a request. */
  readonly status: number | undefined;
  readonly callId: string;
  /** The body as text, exactly as logged. */
  readonly body: string;
}

/** Formats one record, final newline included. */
export function formatBodyRecord(record: BodyRecord): string {
  const length = new TextEncoder().encode(record.body).length;
  const kind = record.kind === 'request' ? 'request' : `reply ${String(record.status)}`;
  const header = `${BODY_BEGIN_MARKER}${kind} ${record.method} call-id=${record.callId} length=${String(length)} ---`;
  return `${header}\n${record.body}\n${BODY_END_MARKER}\n`;
}

const headerPattern = /^(request|reply (\d{3})) (\S+) call-id=(\S*) length=\d+ ---$/;

/**
 * Parses every complete record in a body log. Text outside the markers, such as other Kamailio log
 * lines, is skipped, and an unterminated last record is ignored.
 */
export function parseBodyLog(text: string): BodyRecord[] {
  const records: BodyRecord[] = [];
  let position = text.indexOf(BODY_BEGIN_MARKER);
  while (position !== -1) {
    const headerEnd = text.indexOf('\n', position);
    const end = text.indexOf(`\n${BODY_END_MARKER}`, headerEnd);
    if (headerEnd === -1 || end === -1) {
      break;
    }

    const match = headerPattern.exec(text.slice(position + BODY_BEGIN_MARKER.length, headerEnd));
    if (match !== null) {
      records.push({
        kind: match[1] === 'request' ? 'request' : 'reply',
        method: match[3] ?? '',
        status: match[2] === undefined ? undefined : Number(match[2]),
        callId: match[4] ?? '',
        body: text.slice(headerEnd + 1, end),
      });
    }
    position = text.indexOf(BODY_BEGIN_MARKER, end);
  }
  return records;
}

/**
 * Splits a stream of Kamailio log text into body records and other log lines. Chunks may end
 * anywhere, also inside a marker.
 */
export class BodyLogExtractor {
  #pending = '';
  readonly #onRecord: (recordText: string) => void;
  readonly #onOther: (text: string) => void;

  /**
   * @param onRecord - receives each complete record, markers and final newline included
   * @param onOther - receives the text between records
   */
  constructor(onRecord: (recordText: string) => void, onOther: (text: string) => void) {
    this.#onRecord = onRecord;
    this.#onOther = onOther;
  }

  /** Feeds the next chunk of log text. */
  push(chunk: string): void {
    this.#pending += chunk;
    for (;;) {
      const begin = this.#pending.indexOf(BODY_BEGIN_MARKER);
      if (begin === -1) {
        this.#flushOther(this.#pending.length - BODY_BEGIN_MARKER.length);
        return;
      }

      this.#flushOther(begin);
      const end = this.#pending.indexOf(`\n${BODY_END_MARKER}\n`);
      if (end === -1) {
        return;
      }

      const recordEnd = end + BODY_END_MARKER.length + 2;
      this.#onRecord(this.#pending.slice(0, recordEnd));
      this.#pending = this.#pending.slice(recordEnd);
    }
  }

  /** Passes on what is left at the end of the stream. */
  end(): void {
    if (this.#pending !== '') {
      this.#onOther(this.#pending);
      this.#pending = '';
    }
  }

  // Keeps a tail that may be the start of a marker split across chunks.
  #flushOther(upTo: number): void {
    if (upTo <= 0) {
      return;
    }
    this.#onOther(this.#pending.slice(0, upTo));
    this.#pending = this.#pending.slice(upTo);
  }
}
