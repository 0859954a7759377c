import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { secureContextFor } from '../../src/tls/peer-session.ts';

describe('the TLS context of the full handshakes', () => {
  const trust = rootCertificates.slice(0, 5);

  it('is made once per trust list and shared by every handshake with that list, however the list is passed', () => {
    expect(secureContextFor([...trust])).toBe(secureContextFor([...trust]));
  });

  it('is another one for another trust list', () => {
    expect(secureContextFor(rootCertificates.slice(0, 4))).not.toBe(secureContextFor(trust));
  });

  it('keeps a bounded number of contexts when the lists keep changing', () => {
    const first = secureContextFor(rootCertificates.slice(0, 1));
    for (let i = 2; i < 12; i += 1) secureContextFor(rootCertificates.slice(0, i));
    expect(secureContextFor(rootCertificates.slice(0, 1))).not.toBe(first);
  });
});
