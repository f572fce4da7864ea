/** The worker script of the envelope test page. */
import { serveEnvelopes } from '../../src/smime/envelope-worker.js';

serveEnvelopes(self, self.crypto);
