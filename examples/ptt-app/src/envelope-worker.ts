/**
 * The app's envelope worker: it makes the key agreement of each outgoing message ahead, on a
 * thread of its own, so that a press of the talk button only signs and encrypts.
 *
 * @module
 */
import { serveEnvelopes } from '@mcptt-smime/smime';

serveEnvelopes(self, self.crypto);
