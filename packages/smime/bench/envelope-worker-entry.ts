/** Worker entry of the core benchmark: serves envelopes to the page, bundled by run-chromium.ts. */
import { serveEnvelopes } from '../src/smime/envelope-worker.js';

serveEnvelopes(self, self.crypto);
