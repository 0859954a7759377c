/**
 * Whether an SNMP error is the agent refusing a request, as opposed to the request going unanswered or
 * coming back in a form cocoscan cannot use. Only a refusal shows that a security level is not served.
 */

/** ResponseInvalidCode.EAuthFailure in net-snmp: the code it gives a usmStats* Report (and a bad reply digest). */
const NET_SNMP_AUTH_FAILURE = 5;
/** ErrorStatus.AuthorizationError: the agent's access control (VACM) will not serve the user at this level. */
const AUTHORIZATION_ERROR = 16;

// net-snmp turns a usmStats* Report into an error whose message is the counter's description; only the
// counters below say that the agent declined the user at the level asked for. notInTimeWindows and
// unknownEngineIDs are steps of the discovery exchange, not refusals.
const REFUSING_REPORTS = new Map<string, string>([
  ['Unsupported Security Level', 'usmStatsUnsupportedSecLevels (the agent does not serve this user at this security level)'],
  ['Unknown User Name', 'usmStatsUnknownUserNames (the agent does not know this user at this security level)'],
  [
    'Wrong Digest (incorrect password, community or key)',
    'usmStatsWrongDigests (the agent requires authentication this request did not give)',
  ],
  ['Decryption Error', 'usmStatsDecryptionErrors (the agent could not decrypt the request)'],
]);

/** Describes the refusal the error carries, or returns undefined when the error is not a refusal from the agent. */
export function refusalOf(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { name, code, message, status } = error as { name?: unknown; code?: unknown; message?: unknown; status?: unknown };
  if (name === 'ResponseInvalidError' && code === NET_SNMP_AUTH_FAILURE && typeof message === 'string')
    return REFUSING_REPORTS.get(message);
  if (name === 'RequestFailedError' && status === AUTHORIZATION_ERROR)
    return "authorizationError (the agent's access control refuses this user at this security level)";
  return undefined;
}
