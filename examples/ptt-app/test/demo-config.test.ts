import { describe, expect, it } from 'vitest';
import { matchCoreBodies, type CoreBody } from '../src/core-log.js';
import { parseDemoConfig } from '../src/demo-config.js';

const valid = {
  wsUrl: 'ws://127.0.0.1:8080',
  serverUri: 'sip:mcptt-server@mcptt.example',
  enrolUrl: '/enrol',
  coreLogUrl: '/__sip-core/bodies',
  serverCertificate: '-----BEGIN CERTIFICATE-----',
  trustAnchors: ['-----BEGIN CERTIFICATE-----'],
  users: [{ id: 'sip:alice@mcptt.example', name: 'Alice' }],
  groups: [
    { id: 'sip:fire-1@mcptt.example', name: 'Fire 1', members: ['sip:alice@mcptt.example'] },
  ],
};

describe('parseDemoConfig', () => {
  it('accepts a complete configuration', () => {
    const config = parseDemoConfig(valid);
    expect(config.groups[0]?.members).toEqual(['sip:alice@mcptt.example']);
    expect(config.coreLogUrl).toBe('/__sip-core/bodies');
  });

  it('reads who may cancel emergencies', () => {
    const users = [
      { id: 'sip:carol@mcptt.example', name: 'Carol', mayCancelEmergencies: true },
      { id: 'sip:alice@mcptt.example', name: 'Alice', mayCancelEmergencies: 'yes' },
    ];
    const config = parseDemoConfig({ ...valid, users });
    expect(config.users.map((user) => user.mayCancelEmergencies)).toEqual([true, false]);
  });

  it('leaves the core log URL optional', () => {
    expect(parseDemoConfig({ ...valid, coreLogUrl: undefined }).coreLogUrl).toBeUndefined();
  });

  it('rejects a missing WebSocket URL', () => {
    expect(() => parseDemoConfig({ ...valid, wsUrl: '' })).toThrow('Invalid wsUrl');
  });

  it('rejects groups that are not an array', () => {
    expect(() => parseDemoConfig({ ...valid, groups: {} })).toThrow('Invalid groups');
  });
});

describe('matchCoreBodies', () => {
  const bodies: CoreBody[] = [
    { kind: 'request', method: 'INVITE', status: undefined, callId: 'c', body: 'a' },
    { kind: 'reply', method: 'INVITE', status: 200, callId: 'c', body: 'b' },
    { kind: 'request', method: 'ACK', status: undefined, callId: 'c', body: 'c' },
  ];

  it('matches a request by method', () => {
    expect(matchCoreBodies(bodies, 'INVITE').map((b) => b.body)).toEqual(['a']);
  });

  it('matches a response by status and method', () => {
    expect(matchCoreBodies(bodies, '200 INVITE').map((b) => b.body)).toEqual(['b']);
  });
});
