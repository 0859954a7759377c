import type { Varbind } from 'net-snmp';

/** The longest value kept from one varbind; an agent's value never decides how much evidence is written. */
export const MAX_VALUE_CHARS = 512;

/** SNMPv2 exception values (RFC 3416): a varbind that carries no value, only why. */
const EXCEPTIONS = new Map<number, string>([
  [128, 'noSuchObject'],
  [129, 'noSuchInstance'],
  [130, 'endOfMibView'],
]);

/** The exception a varbind carries (noSuchObject, noSuchInstance, endOfMibView), or undefined for a value. */
export function exceptionOf(varbind: Pick<Varbind, 'type'>): string | undefined {
  return typeof varbind.type === 'number' ? EXCEPTIONS.get(varbind.type) : undefined;
}

// C0 controls except tab and newline, DEL, C1 controls and the bidirectional overrides and isolates.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A varbind value as text for the evidence: bounded, control characters replaced; never throws. */
export function renderValue(value: unknown): string {
  let text: string;
  if (Buffer.isBuffer(value)) text = value.subarray(0, MAX_VALUE_CHARS * 4).toString('utf8');
  else if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') text = String(value);
  else if (value === null || value === undefined) text = '';
  else text = '[a value cocoscan cannot read]';
  if (text.length > MAX_VALUE_CHARS) text = `${text.slice(0, MAX_VALUE_CHARS)}…`;
  return text.replace(UNPRINTABLE, '?');
}
