/**
 * The measurement switch `insecurePlainCalls`, OFF by default. INSECURE: with it on, the server
 * accepts calls, short data and talk requests unsigned and in clear, and sends its own in clear,
 * so that a benchmark can measure what S/MIME costs in group-call set-up. REGISTER and PUBLISH
 * (service authorisation and affiliation) stay signed and encrypted, so that the server still
 * learns each user's certificate and trusts only its own CA's users. Never turn it on in a
 * deployment: the SIP core then reads every group ID, MCPTT ID and short-data text.
 *
 * @module
 */
import type { ProtectionPolicy } from '@mcptt-smime/smime';
import type { ServerContext } from './server-context.js';

const PROTECTED_METHODS: ReadonlySet<string> = new Set(['REGISTER', 'PUBLISH']);

/** The policy of the switch: only the bodies of REGISTER and PUBLISH are sensitive. */
export const PLAIN_CALLS_POLICY: ProtectionPolicy = {
  isSensitive: (_contentType, method) => PROTECTED_METHODS.has(method.toUpperCase()),
};

/** Returns the policy to protect and open bodies with: undefined means the default policy. */
export function protectionPolicyOf(context: ServerContext): ProtectionPolicy | undefined {
  return context.config.insecurePlainCalls === true ? PLAIN_CALLS_POLICY : undefined;
}

/** True when a request of `method` must be signed: always, unless the switch is on. */
export function signatureRequired(context: ServerContext, method: string): boolean {
  return context.config.insecurePlainCalls !== true || PROTECTED_METHODS.has(method.toUpperCase());
}
