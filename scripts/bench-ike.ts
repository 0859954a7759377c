/**
 * ike-agreement: the IKE probe beside ike-scan on strongSwan responders (modern and legacy), on IKEv1 main mode,
 * IKEv1 aggressive mode with a pre-shared key and IKEv2 with ike-scan's default proposal (test/lab/ike-agreement.ts).
 */
import { agreement, cocoscanView, gatherIkeFor, ikeScanView } from '../test/lab/ike-agreement.ts';
import type { LabIke } from '../test/lab/strongswan.ts';
import { startLabGateway } from './bench-lab.ts';

type Line = (name: string, value: string, target: string) => void;

export async function benchIkeAgreement(line: Line): Promise<void> {
  const flavours: LabIke[] = ['modern', 'legacy'];
  const gateways = await Promise.all(
    flavours.map((ike) => startLabGateway({ name: `bike${ike}`, services: [{ kind: 'strongswan', port: 500, ike }] })),
  );
  try {
    let agreed = 0;
    let total = 0;
    const differing: string[] = [];
    for (const [i, gateway] of gateways.entries()) {
      const facts = await gatherIkeFor(gateway.address);
      const port = facts.ports.find((p) => p.port === 500);
      const theirs = await ikeScanView(gateway.address);
      const result = port ? agreement(cocoscanView(port), theirs) : { agreed: 0, total: 3, differing: ['the probe did not ask 500/udp'] };
      agreed += result.agreed;
      total += result.total;
      differing.push(...result.differing.map((d) => `${flavours[i]}: ${d}`));
    }
    line(
      'ike-agreement',
      `${agreed}/${total}`,
      `target ${total}/${total}; main mode, aggressive mode and IKEv2 on strongSwan ${flavours.join(' and ')}` +
        (differing.length > 0 ? `; differing: ${differing.join(' | ')}` : ''),
    );
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}
