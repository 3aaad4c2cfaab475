/** The MyProxy client API. */
export { logon, DEFAULT_HANDSHAKE_TIMEOUT_MS, MIN_PASS_PHRASE_LENGTH, type LogonOptions, type LogonStep } from './client.js';
export { getDelegation, looksLikeAuthFailure, DEFAULT_RESPONSE_TIMEOUT_MS, type DelegationOptions, type DelegationRequest } from './logon.js';
export {
  parseResponse,
  serializeRequest,
  MYPROXY_VERSION,
  MyProxyCommand,
  MyProxyResponseCode,
  type MyProxyRequest,
  type MyProxyResponse,
} from './codec.js';
export { MessageReader, MAX_CHAIN_BYTES, MAX_CHAIN_CERTIFICATES, MAX_TEXT_MESSAGE_BYTES } from './stream.js';
export { credentialToPem, describeCertificate, type Credential, type CertificateDescription } from '../pki/credential.js';
export { createProxyCsr } from '../pki/csr.js';
export { exportRsaPrivateKeyPkcs1, generateRsaKeyPair } from '../pki/keys.js';
