/**
 * Builds the app's `/demo-config.json` from the MCPTT server's configuration file, so that the
 * launcher and the e2e suite only pass file paths and URLs to the dev server.
 *
 * The output holds the public parts only: users, groups, the server's certificate and the trust
 * anchors. Keys and one-time codes stay in the server's file.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Where the running demo's parts are. */
export interface AppConfigSources {
  /** The MCPTT server's JSON configuration file. */
  readonly serverConfigFile: string;
  /** WebSocket URL of the SIP core. */
  readonly coreUrl: string;
  /** Path on the dev server of the enrolment proxy. */
  readonly enrolPath: string;
  /** Path on the dev server of the core's body log, undefined to leave it out. */
  readonly coreLogPath: string | undefined;
}

interface RawServerConfig {
  readonly serverUri?: unknown;
  readonly identity?: { readonly certificate?: unknown; readonly trustAnchors?: unknown };
  readonly users?: readonly {
    readonly uri?: unknown;
    readonly displayName?: unknown;
    readonly mayCancelEmergencies?: unknown;
  }[];
  readonly groups?: readonly {
    readonly id?: unknown;
    readonly displayName?: unknown;
    readonly members?: unknown;
  }[];
  readonly insecurePlainCalls?: unknown;
}

/** Reads the server's configuration and returns the app's configuration as a JSON value. */
export async function buildAppConfig(sources: AppConfigSources): Promise<Record<string, unknown>> {
  const raw = JSON.parse(await readFile(sources.serverConfigFile, 'utf8')) as RawServerConfig;
  const baseDir = dirname(sources.serverConfigFile);
  const readPem = (path: unknown): Promise<string> =>
    readFile(resolve(baseDir, String(path)), 'utf8');

  const anchors = Array.isArray(raw.identity?.trustAnchors) ? raw.identity.trustAnchors : [];
  return {
    wsUrl: sources.coreUrl,
    serverUri: raw.serverUri,
    enrolUrl: sources.enrolPath,
    ...(sources.coreLogPath === undefined ? {} : { coreLogUrl: sources.coreLogPath }),
    serverCertificate: await readPem(raw.identity?.certificate),
    trustAnchors: await Promise.all(anchors.map(readPem)),
    users: (raw.users ?? []).map((user) => ({
      id: user.uri,
      name: typeof user.displayName === 'string' ? user.displayName : user.uri,
      ...(user.mayCancelEmergencies === true ? { mayCancelEmergencies: true } : {}),
    })),
    groups: (raw.groups ?? []).map((group) => ({
      id: group.id,
      name: group.displayName,
      members: group.members,
    })),
    // The measurement switch of the server: the app must send calls in clear too.
    ...(raw.insecurePlainCalls === true ? { insecurePlainCalls: true } : {}),
  };
}
