/** The MyProxy client API. */
export { logon, DEFAULT_HANDSHAKE_TIMEOUT_MS, MIN_PASS_PHRASE_LENGTH, type LogonOptions, type LogonStep } from './client.js';
export { explainKeyRefusal, type LogonResult } from './client.js';
export { logonNoCredentials, logonWithCsr, csrPublicKeyInfo, type IssuedCertificates, type LogonRequestOptions } from './logon-variants.js';
export { getTrustRoots, parseTrustRoots, requestTrustRoots, unsafeTrustRootName, type TrustRootFiles } from './trustroots.js';
export { bootstrapTrust, bootstrapTrustFiles, sha256Fingerprint, type BootstrapCa, type BootstrapResult, type BootstrapOptions } from './bootstrap.js';
export { withMyProxyConnection, type MyProxyConnectOptions } from './session.js';
export { getInfo, type InfoRequest, type InfoOptions, type InfoResult, type CredentialInfo } from './info.js';
export { getDelegationExchange, type DelegationExchange } from './logon.js';
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
export { exportPrivateKeyPkcs8, generateKeyPair, KEY_TYPES, type KeyType } from '../pki/keys.js';
export { opensslSubjectHash, opensslNameHash } from '../pki/subject-hash.js';
export { destroyCredential, type DestroyRequest } from './destroy.js';
export { changePassphrase, type ChangePassphraseRequest } from './change-passphrase.js';
export { storeCredential, storePayload, type StoreRequest } from './store.js';
export { retrieveCredential, splitRetrieved, type RetrieveRequest, type RetrievedCredential } from './retrieve.js';
export { putCredential, encodeChain, type PutRequest, type PutOptions, type DelegatingCredential } from './put.js';
export { certificateAuthorizationReply, authorizationChallenges, AuthorizationMethod, type RenewalCredential } from './authorization.js';
export { cnPolicy, type CredentialPolicy, type CommandOptions } from './command.js';
