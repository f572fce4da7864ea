import { describe, expect, it } from 'vitest';
import { BodyLogExtractor, formatBodyRecord, parseBodyLog } from '../src/body-log.js';

const record = formatBodyRecord({
  kind: 'reply',
  method: 'INVITE',
  status: 200,
  callId: 'c1',
  body: 'line one\r\nline two',
});

describe('body log', () => {
  it('parses what it formats', () => {
    const [parsed] = parseBodyLog(`noise\n${record}more noise\n`);

    expect(parsed).toEqual({
      kind: 'reply',
      method: 'INVITE',
      status: 200,
      callId: 'c1',
      body: 'line one\r\nline two',
    });
  });

  it('ignores an unterminated record', () => {
    expect(parseBodyLog(record.slice(0, -10))).toEqual([]);
  });

  it('extracts records split across chunks', () => {
    const records: string[] = [];
    const other: string[] = [];
    const extractor = new BodyLogExtractor(
      (text) => records.push(text),
      (text) => other.push(text),
    );
    const stream = ` 3(99) NOTICE: <script>: \n${record} 4(99) INFO: done\n`;

    for (let i = 0; i < stream.length; i += 7) {
      extractor.push(stream.slice(i, i + 7));
    }
    extractor.end();

    expect(records).toEqual([record]);
    expect(other.join('')).toBe(' 3(99) NOTICE: <script>: \n 4(99) INFO: done\n');
  });
});
