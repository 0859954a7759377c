import { CocoscanError } from '../errors.ts';

/** Something an SNMP agent sent that cocoscan cannot use (a malformed OID, say); it is reported, never trusted. */
export class SnmpReplyError extends CocoscanError {}
