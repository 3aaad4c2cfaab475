/**
 * The policy flags of myproxy-init and myproxy-store (protocol notes §2.1, §5.2): -r/-R/-Z/-E
 * name who may retrieve, renew, retrieve without pass phrase, or retrieve the key; -a/-A allow
 * anyone (`*`); -X (default) matches the CN only (`*\/CN=<value>`), -x takes the value as a
 * regular expression. Unlike the native tools, -x/-X apply to every policy flag, wherever they stand.
 */
import { MyProxyWebError } from '../shared/errors.js';
import { cnPolicy, type CredentialPolicy } from '../shared/myproxy/command.js';
import { stringOption, type OptionSpec, type ParsedOptions } from './args.js';

export const POLICY_OPTIONS: readonly OptionSpec[] = [
  { name: 'anonRetrievers', short: 'a', long: 'allow_anonymous_retrievers', help: 'Allow credentials to be retrieved with just username/passphrase' },
  { name: 'anonRenewers', short: 'A', long: 'allow_anonymous_renewers', help: 'Allow credentials to be renewed by any client (not recommended)' },
  { name: 'regex', short: 'x', long: 'regex_dn_match', help: 'Set regular expression matching mode for the policy options' },
  { name: 'cnOnly', short: 'X', long: 'match_cn_only', help: 'Set CN matching mode (default) for the policy options' },
  { name: 'retrievers', short: 'r', long: 'retrievable_by', value: 'dn', help: 'Allow specified entity to retrieve credential' },
  { name: 'renewers', short: 'R', long: 'renewable_by', value: 'dn', help: 'Allow specified entity to renew credential' },
  { name: 'trustedRetrievers', short: 'Z', long: 'retrievable_by_cert', value: 'dn', help: 'Allow specified entity to retrieve credential w/o passphrase' },
  { name: 'creddesc', short: 'K', long: 'creddesc', value: 'desc', help: 'Specifies credential description' },
];
export const KEY_RETRIEVER_OPTION: OptionSpec = { name: 'keyRetrievers', short: 'E', long: 'retrieve_key', value: 'dn', help: 'Allow specified entity to retrieve credential key' };

export function policyFromOptions(options: ParsedOptions): CredentialPolicy {
  const regex = options.has('regex');
  if (regex && options.has('cnOnly')) throw new MyProxyWebError('BAD_INPUT', '-x and -X cannot be used together here');
  const value = (name: string): string | undefined => {
    const text = stringOption(options, name);
    return text === undefined ? undefined : cnPolicy(text, regex);
  };
  if (options.has('anonRetrievers') && options.has('retrievers')) throw new MyProxyWebError('BAD_INPUT', '-a and -r cannot be used together');
  if (options.has('anonRenewers') && options.has('renewers')) throw new MyProxyWebError('BAD_INPUT', '-A and -R cannot be used together');
  const policy: CredentialPolicy = {};
  const retrievers = options.has('anonRetrievers') ? '*' : value('retrievers');
  const renewers = options.has('anonRenewers') ? '*' : value('renewers');
  const trusted = value('trustedRetrievers');
  const keyRetrievers = value('keyRetrievers');
  const description = stringOption(options, 'creddesc');
  if (retrievers !== undefined) policy.retrievers = retrievers;
  if (renewers !== undefined) policy.renewers = renewers;
  if (trusted !== undefined) policy.trustedRetrievers = trusted;
  if (keyRetrievers !== undefined) policy.keyRetrievers = keyRetrievers;
  if (description !== undefined) policy.description = description;
  return policy;
}
