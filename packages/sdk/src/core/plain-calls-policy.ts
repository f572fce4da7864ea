/**
 * The policy of the measurement switch `insecurePlainCalls`. INSECURE: calls, short data and
 * every other request are sent and accepted unsigned and in clear. Only REGISTER and PUBLISH
 * (service authorisation and affiliation) stay signed and encrypted. The switch exists so that a
 * benchmark can measure what S/MIME costs, and must never be used in a deployment.
 *
 * @module
 */
import type { ProtectionPolicy } from '@mcptt-smime/smime';

const PROTECTED_METHODS: ReadonlySet<string> = new Set(['REGISTER', 'PUBLISH']);

/** Marks only the bodies of REGISTER and PUBLISH sensitive. */
export const PLAIN_CALLS_POLICY: ProtectionPolicy = {
  isSensitive: (_contentType, method) => PROTECTED_METHODS.has(method.toUpperCase()),
};
