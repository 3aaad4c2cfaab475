/** Points pkijs at the platform WebCrypto (browser or Node globalThis.crypto) explicitly, once. */
import * as pkijs from 'pkijs';

let installed = false;

export function ensurePkijsEngine(): void {
  if (installed) return;
  pkijs.setEngine('webcrypto', new pkijs.CryptoEngine({ name: 'webcrypto', crypto: globalThis.crypto }));
  installed = true;
}
