import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { CallFloor } from '../src/floor/call-floor.js';

const BASE = {
  serverUri: 'sip:mcptt-server@mcptt.example',
  identity: { key: 'k.pem', certificate: 'c.pem', trustAnchors: ['ca.cert.pem'] },
  users: [],
  groups: [],
};

describe('floor configuration', () => {
  it('reads the floor limits', () => {
    const config = parseConfig({ ...BASE, floor: { queueCapacity: 1, maxTalkTimeMs: 0 } }, '/tmp');
    expect(config.floor).toEqual({ queueCapacity: 1, maxTalkTimeMs: 0 });
  });

  it('leaves the floor limits out by default', () => {
    expect(parseConfig(BASE, '/tmp').floor).toBeUndefined();
  });

  it.each([
    [{ queueCapacity: -1 }, /floor\.queueCapacity/],
    [{ queueCapacity: 1.5 }, /floor\.queueCapacity/],
    [{ maxTalkTimeMs: '30000' }, /floor\.maxTalkTimeMs/],
    ['none', /floor/],
  ])('rejects floor %j', (floor, field) => {
    const config = { ...BASE, floor };
    expect(() => parseConfig(config, '/tmp')).toThrow(TypeError);
    expect(() => parseConfig(config, '/tmp')).toThrow(field);
  });

  it('denies a request when the queue is full', () => {
    const { floor } = parseConfig({ ...BASE, floor: { queueCapacity: 1 } }, '/tmp');
    const callFloor = new CallFloor({ logger: pino({ level: 'silent' }), ...floor });
    const arbitrator = callFloor.arbitrator;
    for (const participant of ['alice', 'bob', 'carol']) arbitrator.join(participant);

    expect(arbitrator.request('alice')).toBe('granted');
    expect(arbitrator.request('bob')).toBe('queued');
    expect(arbitrator.request('carol')).toBe('denied');
  });
});
