/** Vitest hooks of the call tests: WebRTC shims for the file, and clients stopped after each test. */
import { afterAll, afterEach, beforeAll } from 'vitest';

import { installWebRtcShims } from './webrtc-shims.js';

/**
 * Installs the WebRTC shims for the test file and returns a list of stop functions that runs and
 * empties after each test. Call it at the top level of the file.
 */
export function useCallHooks(): (() => void)[] {
  const stops: (() => void)[] = [];
  let removeShims: () => void = () => undefined;
  beforeAll(() => {
    removeShims = installWebRtcShims();
  });
  afterAll(() => removeShims());
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });
  return stops;
}
