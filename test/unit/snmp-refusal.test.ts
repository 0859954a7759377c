import snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { refusalOf } from '../../src/snmp/refusal.ts';

type ErrorClass = new (message: string, code?: number) => Error;
const { ResponseInvalidError, RequestFailedError, RequestTimedOutError } = snmp as unknown as Record<string, ErrorClass>;
const AUTH_FAILURE = 5;

describe('refusalOf: only the agent declining a request is a refusal', () => {
  it('takes the usmStats Reports that decline a user at a level as refusals', () => {
    expect(refusalOf(new ResponseInvalidError!('Unsupported Security Level', AUTH_FAILURE))).toMatch(/usmStatsUnsupportedSecLevels/);
    expect(refusalOf(new ResponseInvalidError!('Unknown User Name', AUTH_FAILURE))).toMatch(/usmStatsUnknownUserNames/);
    expect(refusalOf(new ResponseInvalidError!('Wrong Digest (incorrect password, community or key)', AUTH_FAILURE))).toMatch(
      /usmStatsWrongDigests/,
    );
  });

  it('takes authorizationError from the access control as a refusal', () => {
    expect(refusalOf(new RequestFailedError!('AuthorizationError', 16))).toMatch(/authorizationError/);
  });

  it('does not take silence, discovery steps, odd replies or other errors for refusals', () => {
    expect(refusalOf(new RequestTimedOutError!('Request timed out'))).toBeUndefined();
    expect(refusalOf(new ResponseInvalidError!('Not In Time Window', AUTH_FAILURE))).toBeUndefined();
    expect(refusalOf(new ResponseInvalidError!('Unknown Engine ID', AUTH_FAILURE))).toBeUndefined();
    expect(refusalOf(new ResponseInvalidError!('Unexpected Report PDU', AUTH_FAILURE))).toBeUndefined();
    expect(
      refusalOf(
        new ResponseInvalidError!(
          'Authentication digest 00 received in message does not match digest 11 calculated for message',
          AUTH_FAILURE,
        ),
      ),
    ).toBeUndefined();
    expect(refusalOf(new ResponseInvalidError!('Unsupported Security Level', 11))).toBeUndefined();
    expect(refusalOf(new ResponseInvalidError!('constructor', AUTH_FAILURE))).toBeUndefined();
    expect(refusalOf(new RequestFailedError!('GeneralError', 5))).toBeUndefined();
    expect(refusalOf(new Error('Wrong Digest (incorrect password, community or key)'))).toBeUndefined();
    expect(refusalOf(undefined)).toBeUndefined();
  });
});
