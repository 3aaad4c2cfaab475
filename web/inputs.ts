/** Checks of <myproxy-logon>'s configuration and form, and the text of each logon step. */
import { MyProxyWebError } from '../shared/errors.js';
import type { LogonStep } from '../shared/myproxy/client.js';
import { KEY_TYPES, type KeyType } from '../shared/pki/keys.js';
import { format, type MyProxyLogonStrings } from './strings.js';

export interface LogonInputs {
  bridge: string;
  server: string;
  trustRoots: string;
  username: string;
  passphrase: string;
  keyType: KeyType;
  lifetimeHours: number;
}

/** Throws BAD_INPUT with the (replaceable) text naming what is wrong. */
export function checkLogonInputs(inputs: LogonInputs, s: MyProxyLogonStrings): void {
  const bad = (message: string) => new MyProxyWebError('BAD_INPUT', message);
  if (!/^wss?:\/\//i.test(inputs.bridge)) throw bad(s.badBridge);
  if (!inputs.server) throw bad(s.missingServer);
  if (!inputs.trustRoots) throw bad(s.missingTrustRoots);
  if (!inputs.username) throw bad(s.enterUsername);
  if (!inputs.passphrase) throw bad(s.enterPassphrase);
  if (!Number.isFinite(inputs.lifetimeHours) || inputs.lifetimeHours <= 0) throw bad(s.badLifetime);
  if (!KEY_TYPES.includes(inputs.keyType)) throw bad(s.badKeyType);
}

/** The status text of a logon step. */
export function stepLabel(step: LogonStep, server: string, s: MyProxyLogonStrings): string {
  const labels: Record<LogonStep, string> = {
    'generating-key': s.stepGeneratingKey,
    connecting: s.stepConnecting,
    handshake: format(s.stepHandshake, { server }),
    requesting: s.stepRequesting,
    done: s.stepDone,
  };
  return labels[step] ?? String(step);
}
