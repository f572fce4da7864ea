/**
 * The demo's connection settings, which the dev server publishes at `/demo-config.json`.
 *
 * @module
 */

/** A group of the demo configuration. */
export interface DemoGroup {
  /** MCPTT group ID, a SIP URI. */
  readonly id: string;
  readonly name: string;
  /** MCPTT IDs of the members. */
  readonly members: readonly string[];
}

/** A user of the demo configuration. */
export interface DemoUser {
  /** MCPTT ID, a SIP URI. */
  readonly id: string;
  readonly name: string;
  /** True for a user, such as a dispatcher, whom the server lets end others' emergencies. */
  readonly mayCancelEmergencies: boolean;
}

/** Settings that the app needs before it can enrol and register. */
export interface DemoConfig {
  /** WebSocket URL of the SIP core, such as `ws://127.0.0.1:8080`. */
  readonly wsUrl: string;
  /** SIP URI of the MCPTT server, the other end of the protection. */
  readonly serverUri: string;
  /** URL of the enrolment endpoint that signs certificate requests. */
  readonly enrolUrl: string;
  /** URL of the core's body log, in dev mode only. */
  readonly coreLogUrl: string | undefined;
  /** PEM certificate of the MCPTT server, the recipient of every protected request. */
  readonly serverCertificate: string;
  /** PEM certificates that signer chains must reach. */
  readonly trustAnchors: readonly string[];
  readonly users: readonly DemoUser[];
  readonly groups: readonly DemoGroup[];
  /**
   * INSECURE, for the benchmark's plain run only: calls and short data go in clear, as the
   * server's `insecurePlainCalls` switch expects.
   */
  readonly insecurePlainCalls: boolean;
}

/** Fetches and checks the demo configuration. */
export async function loadDemoConfig(url = '/demo-config.json'): Promise<DemoConfig> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Demo configuration not found at ${url}: HTTP ${response.status}`);
  }
  return parseDemoConfig(await response.json());
}

/** Checks the shape of a parsed demo configuration. */
export function parseDemoConfig(value: unknown): DemoConfig {
  const record = asRecord(value, 'demo configuration');
  const coreLogUrl = record['coreLogUrl'];
  return {
    insecurePlainCalls: record['insecurePlainCalls'] === true,
    wsUrl: asString(record['wsUrl'], 'wsUrl'),
    serverUri: asString(record['serverUri'], 'serverUri'),
    enrolUrl: asString(record['enrolUrl'], 'enrolUrl'),
    coreLogUrl: coreLogUrl === undefined ? undefined : asString(coreLogUrl, 'coreLogUrl'),
    serverCertificate: asString(record['serverCertificate'], 'serverCertificate'),
    trustAnchors: asArray(record['trustAnchors'], 'trustAnchors').map((a) => asString(a, 'anchor')),
    users: asArray(record['users'], 'users').map((user, index) => {
      const entry = asRecord(user, `users[${index}]`);
      return {
        id: asString(entry['id'], 'user id'),
        name: asString(entry['name'], 'user name'),
        mayCancelEmergencies: entry['mayCancelEmergencies'] === true,
      };
    }),
    groups: asArray(record['groups'], 'groups').map((group, index) => {
      const entry = asRecord(group, `groups[${index}]`);
      return {
        id: asString(entry['id'], 'group id'),
        name: asString(entry['name'], 'group name'),
        members: asArray(entry['members'], 'members').map((m) => asString(m, 'member')),
      };
    }),
  };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`Invalid ${what}: expected an object`);
  }
  return value as Record<string, unknown>;
}

function asArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`Invalid ${what}: expected an array`);
  return value;
}

function asString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new Error(`Invalid ${what}: expected a string`);
  }
  return value;
}
