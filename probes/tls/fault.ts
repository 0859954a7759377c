import { CocoscanError } from '../../src/errors.ts';

/**
 * A reason fit for a finding: cocoscan's own errors speak for themselves; anything else is a fault of cocoscan,
 * never a raw message.
 */
export function faultReason(error: unknown, what: string): string {
  if (error instanceof CocoscanError) return error.message;
  return (
    `cocoscan could not judge ${what} (an internal fault; the other endpoints are unaffected). ` +
    'Please report it with the evidence folder'
  );
}
