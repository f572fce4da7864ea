/**
 * Types of JsSIP's digest module, which JsSIP 3.13 ships without a declaration file. Only the
 * members that jssip-ua.ts calls are declared.
 */
declare module 'jssip/lib/DigestAuthentication.js' {
  /** A parsed WWW-Authenticate or Proxy-Authenticate value, as JsSIP's grammar returns it. */
  export interface JssipChallenge {
    readonly realm?: string;
    readonly nonce?: string;
    readonly opaque?: string;
    readonly algorithm?: string;
    readonly qop?: readonly string[];
    readonly stale?: boolean;
  }

  export default class DigestAuthentication {
    constructor(credentials: {
      username: string;
      password: string;
      realm: string | null;
      ha1: string | null;
    });
    authenticate(
      request: { method: string; ruri: string; body: string | null },
      challenge: JssipChallenge,
    ): boolean;
    toString(): string;
  }
}
