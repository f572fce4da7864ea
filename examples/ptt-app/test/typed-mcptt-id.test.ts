import { describe, expect, it } from 'vitest';
import { normaliseMcpttId } from '../src/typed-mcptt-id.js';

describe('normaliseMcpttId', () => {
  it.each([
    ['sip:bob@mcptt.example', 'sip:bob@mcptt.example'],
    ['  sip:bob@mcptt.example ', 'sip:bob@mcptt.example'],
    ['sips:bob@mcptt.example', 'sips:bob@mcptt.example'],
    ['SIP:bob@mcptt.example', 'SIP:bob@mcptt.example'],
    ['bob@mcptt.example', 'sip:bob@mcptt.example'],
    [' bob@mcptt.example\n', 'sip:bob@mcptt.example'],
  ])('reads %j', (input, expected) => {
    expect(normaliseMcpttId(input)).toBe(expected);
  });

  it('leaves an ID without a host alone', () => {
    expect(normaliseMcpttId('bob')).toBe('bob');
  });

  it('leaves another scheme alone', () => {
    expect(normaliseMcpttId('tel:+15551234')).toBe('tel:+15551234');
    expect(normaliseMcpttId('mailto:bob@mcptt.example')).toBe('mailto:bob@mcptt.example');
  });
});
