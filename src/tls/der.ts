/**
 * A minimal, strict DER reader for the few certificate fields the ASN.1 library reads too leniently
 * (it turns month 13 into January of the next year). Every fault is a CertificateError.
 */
import { CertificateError } from './errors.ts';

export interface DerElement {
  tag: number;
  /** The content octets. */
  content: Buffer;
  /** The whole element, header included. */
  whole: Buffer;
}

export const TAG_INTEGER = 0x02;
export const TAG_SEQUENCE = 0x30;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;

/** Reads the element at `offset`; throws CertificateError when it runs past the buffer or uses forms DER forbids. */
export function readElement(data: Buffer, offset = 0): DerElement {
  if (offset + 2 > data.length) throw new CertificateError('a DER element is cut short');
  const tag = data[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new CertificateError('a DER element uses a multi-byte tag, which certificates do not');
  let length = data[offset + 1]!;
  let header = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new CertificateError('a DER element has an indefinite or oversized length');
    if (offset + 2 + count > data.length) throw new CertificateError('a DER length is cut short');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + data[offset + 2 + i]!;
    header += count;
  }
  const end = offset + header + length;
  if (end > data.length) throw new CertificateError('a DER element claims more bytes than the certificate holds');
  return { tag, content: data.subarray(offset + header, end), whole: data.subarray(offset, end) };
}

/** The elements inside a constructed element, in order. */
export function children(element: DerElement): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < element.content.length) {
    const child = readElement(element.content, offset);
    out.push(child);
    offset += child.whole.length;
  }
  return out;
}

/** Bit length of a DER INTEGER's value (leading zero octets ignored). */
export function integerBits(content: Buffer): number {
  let first = 0;
  while (first < content.length && content[first] === 0) first += 1;
  if (first === content.length) return 0;
  return (content.length - first - 1) * 8 + (32 - Math.clz32(content[first]!));
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Reads a certificate time as RFC 5280 4.1.2.5 writes it (UTCTime YYMMDDHHMMSSZ, GeneralizedTime
 * YYYYMMDDHHMMSSZ); any other form, or a date that does not exist, is a CertificateError naming the value.
 */
export function readTime(element: DerElement): Date {
  const text = element.content.toString('latin1');
  const shown = JSON.stringify(text.slice(0, 40));
  const match =
    element.tag === TAG_UTC_TIME ? UTC_TIME.exec(text) : element.tag === TAG_GENERALIZED_TIME ? GENERALIZED_TIME.exec(text) : null;
  if (!match) throw new CertificateError(`the time ${shown} is not a UTCTime or GeneralizedTime of the form RFC 5280 requires`);
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const year = element.tag === TAG_UTC_TIME ? (y >= 50 ? 1900 + y : 2000 + y) : y;
  const date = new Date(Date.UTC(year, mo - 1, d, h, mi, s));
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s;
  if (!exists || Number.isNaN(date.getTime())) throw new CertificateError(`the time ${shown} names no real date and time`);
  return date;
}

/** notBefore and notAfter read strictly from a certificate's DER. */
export function readValidity(der: Buffer): { notBefore: Date; notAfter: Date } {
  const certificate = readElement(der);
  if (certificate.tag !== TAG_SEQUENCE) throw new CertificateError('the certificate is not a DER SEQUENCE');
  const [tbs] = children(certificate);
  if (!tbs || tbs.tag !== TAG_SEQUENCE) throw new CertificateError('the certificate has no TBSCertificate');
  const fields = children(tbs);
  // An explicit [0] version comes first when present; then serial, signature, issuer, validity.
  const validity = fields[fields[0]?.tag === 0xa0 ? 4 : 3];
  if (!validity || validity.tag !== TAG_SEQUENCE) throw new CertificateError('the certificate has no validity period');
  const times = children(validity);
  if (times.length !== 2) throw new CertificateError(`the validity period holds ${times.length} times instead of 2`);
  return { notBefore: readTime(times[0]!), notAfter: readTime(times[1]!) };
}
