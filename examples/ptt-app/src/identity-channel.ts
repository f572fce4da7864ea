/**
 * News about the stored identity between the tabs of one browser profile, which share the
 * IndexedDB keystore. A tab that enrols or removes an identity posts it, so that the other tabs
 * neither keep using a deleted key nor enrol a second identity that the app would never sign in
 * as.
 *
 * @module
 */

/** A change of the stored identities, made in another tab. */
export interface IdentityEvent {
  readonly type: 'added' | 'removed';
  /** SIP URI of the identity. */
  readonly uri: string;
}

/** The tabs' channel. */
export interface IdentityChannel {
  /** Tells the other tabs about a change. This tab does not receive it. */
  post(event: IdentityEvent): void;
  /** Calls `listener` for each change that another tab posts, until the returned function runs. */
  listen(listener: (event: IdentityEvent) => void): () => void;
}

const CHANNEL_NAME = 'mcptt-demo.identity';

/** Opens the channel on a BroadcastChannel, or one that does nothing where there is none. */
export function openIdentityChannel(): IdentityChannel {
  if (typeof BroadcastChannel === 'undefined') {
    return { post: () => undefined, listen: () => () => undefined };
  }
  const channel = new BroadcastChannel(CHANNEL_NAME);
  return {
    post: (event) => channel.postMessage(event),
    listen: (listener) => {
      const receive = (message: MessageEvent<unknown>): void => {
        if (isIdentityEvent(message.data)) listener(message.data);
      };
      channel.addEventListener('message', receive);
      return () => channel.removeEventListener('message', receive);
    },
  };
}

function isIdentityEvent(value: unknown): value is IdentityEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { type, uri } = value as Partial<IdentityEvent>;
  return (type === 'added' || type === 'removed') && typeof uri === 'string';
}
