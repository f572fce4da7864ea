import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findKamailio } from '@mcptt-smime/sip-core';
import { runsWithTool } from '../../../tools/required-tool.js';
import { McpttServer } from '../src/mcptt-server.js';
import { startFixture, type ServerFixture } from './helpers/server-fixture.js';

const PASSWORD = 'c0re-Passw0rd';

describe.runIf(runsWithTool(findKamailio() !== undefined))(
  'the server at a Kamailio that challenges REGISTER',
  () => {
    let fixture: ServerFixture;

    beforeAll(async () => {
      fixture = await startFixture('kamailio', {
        coreDigestPassword: PASSWORD,
        coreCredentials: { password: PASSWORD },
      });
    });

    afterAll(async () => {
      await fixture?.stop();
    });

    it('registers with its coreCredentials', () => {
      expect(fixture.server.coreConnectionState).toBe('connected');
      expect(fixture.logLines.some((line) => line.includes('MCPTT server started'))).toBe(true);
    });

    it('does not start with a wrong password', async () => {
      const config = { ...fixture.server.context.config, coreCredentials: { password: 'wrong' } };

      await expect(
        McpttServer.start({ config, coreUrl: fixture.coreUrl, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(
        /failed with status 401: check the password and user name of coreCredentials$/,
      );
    });

    it('does not start without credentials', async () => {
      const { coreCredentials, ...config } = fixture.server.context.config;
      expect(coreCredentials).toBeDefined();

      await expect(
        McpttServer.start({ config, coreUrl: fixture.coreUrl, logger: pino({ level: 'silent' }) }),
      ).rejects.toThrow(
        /failed with status 401: the SIP core asks for digest authentication, so set coreCredentials$/,
      );
    });

    it('logs no password', async () => {
      expect(fixture.logLines.join('\n')).not.toContain(PASSWORD);
      expect(await fixture.readBodyLog()).not.toContain(PASSWORD);
    });
  },
);
