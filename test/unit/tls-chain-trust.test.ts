import { beforeAll, describe, expect, it } from 'vitest';
import { chainTrust, trustAnchors } from '../../src/tls/chain-trust.ts';
import { makeChain, type Chain } from '../helpers/weak-pki.ts';

let ours: Chain;
let stranger: Chain;
let endEntityIssuer: Chain;

beforeAll(async () => {
  [ours, stranger, endEntityIssuer] = await Promise.all([makeChain(), makeChain(), makeChain({ intermediateNotCa: true })]);
});

describe('chain trust, judged on issuers and signatures alone', () => {
  it('a leaf and its intermediate lead to the trusted root', () => {
    const [leaf, intermediate] = ours.der;
    expect(chainTrust([leaf!, intermediate!], [ours.root])).toMatchObject({ trusted: true, anchor: expect.stringContaining('CN=') });
    // Sent out of order, or with the root too, the issuers are still found.
    expect(chainTrust([leaf!, ours.der[2]!, intermediate!], [ours.root]).trusted).toBe(true);
  });

  it('a leaf signed by an end-entity certificate (no basicConstraints cA) does not chain, whatever the signatures', () => {
    const result = chainTrust(endEntityIssuer.der.slice(0, 2), [endEntityIssuer.root]);
    expect(result).toMatchObject({ trusted: false, problem: 'not-a-ca' });
    expect(!result.trusted && result.reason).toMatch(/is signed by CN=Test Intermediate, which is not a CA certificate/);
  });

  it('a leaf sent without its intermediate is an incomplete chain, named so', () => {
    const result = chainTrust([ours.der[0]!], [ours.root]);
    expect(result).toMatchObject({ trusted: false, problem: 'incomplete' });
    expect(!result.trusted && result.reason).toMatch(/^incomplete chain: .* is issued by .*, which the server did not send/);
  });

  it('a chain up to a root nobody trusts is an untrusted root; a root of the same name but another key is no anchor', () => {
    expect(chainTrust(ours.der, [stranger.root])).toMatchObject({ trusted: false, problem: 'untrusted-root' });
    expect(chainTrust([ours.der[2]!], [])).toMatchObject({
      trusted: false,
      problem: 'untrusted-root',
      reason: expect.stringMatching(/^the certificate is self-signed/),
    });
  });

  it('a leaf that is not a certificate cannot be judged', () => {
    expect(chainTrust([Buffer.from('not a certificate')], [ours.root])).toMatchObject({ trusted: false, problem: 'unreadable' });
    // An unreadable certificate in the trust store is skipped, not fatal.
    expect(chainTrust(ours.der.slice(0, 2), ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', ours.root]).trusted).toBe(
      true,
    );
  });

  it('a leaf pinned in the trust store is trusted as it is', () => {
    const leafPem = `-----BEGIN CERTIFICATE-----\n${ours.der[0]!.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(chainTrust([ours.der[0]!], [leafPem]).trusted).toBe(true);
  });

  it('parses a store once by its content: each gateway builds its own list, and they share one set of anchors', () => {
    const first = trustAnchors([ours.root, stranger.root]);
    const second = trustAnchors([ours.root, stranger.root]);
    expect(second).toHaveLength(2);
    expect(second.every((anchor, i) => anchor === first[i])).toBe(true);
    expect(trustAnchors([ours.root])[0]).not.toBe(first[0]);
  });
});
