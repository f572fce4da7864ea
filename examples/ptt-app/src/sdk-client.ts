/**
 * The {@link PttClient} of the app on `@mcptt-smime/sdk`, with keys from the browser's keystore.
 *
 * @module
 */

import { McpttClient, type McpttClientDelegate } from '@mcptt-smime/sdk';
import { pemDecode, type KeyStore, type SecurityInfo } from '@mcptt-smime/smime';
import type {
  Conversation,
  GroupInfo,
  MessageSecurity,
  PeerInfo,
  PttClient,
  PttClientDelegate,
  SecurityRecord,
} from './client.js';
import type { DemoConfig } from './demo-config.js';

/** Creates the MCPTT client for a stored identity. */
export function createSdkClient(
  config: DemoConfig,
  uri: string,
  openStore: () => Promise<KeyStore>,
): Promise<PttClient> {
  const [serverCertificate] = pemDecode(config.serverCertificate, 'CERTIFICATE');
  if (serverCertificate === undefined) throw new Error('Server certificate missing');
  return Promise.resolve(new SdkPttClient(config, uri, serverCertificate, openStore));
}

/** Converts the SDK's security outcome to what the panel shows. */
export function toMessageSecurity(security: SecurityInfo): MessageSecurity {
  return {
    protected: security.protected,
    encrypted: security.encrypted,
    signed: security.signed,
    signerUri: security.signerUri,
    algorithms: security.algorithms,
  };
}

class SdkPttClient implements PttClient {
  readonly userId: string;
  readonly displayName: string;
  readonly #config: DemoConfig;
  readonly #serverCertificate: Uint8Array;
  readonly #openStore: () => Promise<KeyStore>;
  readonly #affiliated = new Set<string>();
  #client: McpttClient | undefined;
  #delegate: PttClientDelegate = {};
  #sequence = 0;

  constructor(
    config: DemoConfig,
    uri: string,
    serverCertificate: Uint8Array,
    openStore: () => Promise<KeyStore>,
  ) {
    this.#config = config;
    this.#openStore = openStore;
    this.#serverCertificate = serverCertificate;
    this.userId = uri;
    this.displayName = config.users.find((u) => u.id === uri)?.name ?? uri;
  }

  groups(): readonly GroupInfo[] {
    return this.#config.groups
      .filter((group) => group.members.includes(this.userId))
      .map((group) => ({
        id: group.id,
        name: group.name,
        affiliated: this.#affiliated.has(group.id),
      }));
  }

  peers(): readonly PeerInfo[] {
    return this.#config.users.filter((user) => user.id !== this.userId);
  }

  async start(delegate: PttClientDelegate): Promise<void> {
    this.#delegate = delegate;
    const client = new McpttClient({
      uri: this.userId,
      url: this.#config.wsUrl,
      crypto: globalThis.crypto,
      keyStore: await this.#openStore(),
      serverCertificates: [this.#serverCertificate],
      clientId: `urn:uuid:${globalThis.crypto.randomUUID()}`,
      delegate: this.#sdkDelegate(),
    });
    this.#client = client;
    delegate.onRegistration?.('registering');
    await client.start();
    await client.register();
  }

  stop(): Promise<void> {
    this.#client?.stop();
    this.#client = undefined;
    return Promise.resolve();
  }

  async setAffiliation(groupId: string, affiliated: boolean): Promise<void> {
    const groups = new Set(this.#affiliated);
    if (affiliated) groups.add(groupId);
    else groups.delete(groupId);
    await this.#require().setAffiliation({ target: this.#config.serverUri, groups: [...groups] });
    if (affiliated) this.#affiliated.add(groupId);
    else this.#affiliated.delete(groupId);
    this.#record(
      'out',
      'PUBLISH',
      `Affiliation: ${[...groups].length} group(s)`,
      [...groups].join('\n'),
    );
  }

  pressTalk(): Promise<void> {
    return Promise.reject(callsMissing());
  }

  releaseTalk(): void {
    // Nothing to mute while the SDK has no calls.
  }

  callUser(): Promise<void> {
    return Promise.reject(callsMissing());
  }

  answer(): Promise<void> {
    return Promise.reject(callsMissing());
  }

  reject(): void {
    // Incoming calls never reach the app while the SDK has no calls.
  }

  hangUp(): void {
    // Nothing to end while the SDK has no calls.
  }

  async sendShortData(conversation: Conversation, text: string): Promise<void> {
    await this.#require().sendShortData(conversation.id, text);
    this.#delegate.onShortData?.({
      id: this.#nextId(),
      direction: 'out',
      from: this.userId,
      conversation,
      text,
      at: new Date(),
    });
    this.#record('out', 'MESSAGE', `Short data to ${conversation.id}`, text);
  }

  #sdkDelegate(): McpttClientDelegate {
    return {
      onRegistered: () => this.#delegate.onRegistration?.('registered'),
      onRegistrationFailed: (cause) => this.#delegate.onRegistration?.('failed', cause),
      onShortData: (event) => {
        this.#delegate.onShortData?.({
          id: this.#nextId(),
          direction: 'in',
          from: event.from,
          conversation: { kind: 'user', id: this.userId },
          text: event.text,
          at: new Date(),
        });
        this.#record('in', 'MESSAGE', `Short data from ${event.from}`, event.text, event.security);
      },
      onSecurityFailure: (event) => {
        const what = `${event.direction} ${event.method ?? 'message'}`;
        this.#delegate.onRejected?.(what, `${String(event.sipStatus)} ${event.code}`);
      },
    };
  }

  #record(
    direction: SecurityRecord['direction'],
    method: string,
    summary: string,
    plaintext: string,
    security?: SecurityInfo,
  ): void {
    this.#delegate.onSecurityRecord?.({
      id: this.#nextId(),
      direction,
      method,
      // NOTE: the SDK's events carry no Call-ID yet, so the panel cannot find the core's copy.
      callId: '',
      summary,
      plaintext,
      security: security === undefined ? undefined : toMessageSecurity(security),
      at: new Date(),
    });
  }

  #require(): McpttClient {
    if (this.#client === undefined) throw new Error('The MCPTT client is not started');
    return this.#client;
  }

  #nextId(): string {
    this.#sequence += 1;
    return `${this.userId}#${String(this.#sequence)}`;
  }
}

function callsMissing(): Error {
  // TODO: wire group, private and emergency calls once the SDK exports them.
  return new Error('Calls are not available in the MCPTT SDK yet');
}
