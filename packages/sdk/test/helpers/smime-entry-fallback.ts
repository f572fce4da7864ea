/**
 * Stand-in for the public entry of `@mcptt-smime/smime` while that entry does not exist yet: it
 * re-exports the modules that are already written. The test configuration uses the real entry
 * as soon as it exists.
 */
export * from '../../../smime/src/errors.js';
export * from '../../../smime/src/bytes.js';
export * from '../../../smime/src/mime/index.js';
export { SipMessage } from '../../../smime/src/sip/message.js';
