/**
 * PKIjs crypto engines built from the caller's `Crypto`, never from PKIjs's global engine.
 *
 * @module
 */

import * as pkijs from 'pkijs';

const engines = new WeakMap<Crypto, pkijs.CryptoEngine>();

/** Returns the PKIjs engine for `crypto`, creating it once per `Crypto` object. */
export function engineFor(crypto: Crypto): pkijs.CryptoEngine {
  let engine = engines.get(crypto);
  if (engine === undefined) {
    engine = new pkijs.CryptoEngine({ crypto, name: 'mcptt-smime' });
    engines.set(crypto, engine);
  }
  return engine;
}
