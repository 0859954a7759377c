import { describe, expect, it } from 'vitest';
import { connectionForReport } from '../../src/check/redact.ts';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { parseTestProfile } from '../helpers/test-profile.ts';

const connection = connectionFileSchema.parse({
  connection: { name: 'redact', connectedSystem: 'M', connectingSystem: 'T', organisation: 'O' },
  gateways: [{ name: 'gw', host: '127.0.0.1' }],
  flows: [{ name: 'web', protocol: 'https', port: 443 }],
  snmp: { communities: ['public', 'Acme-Monitor-7'] },
});

describe('report.json never holds the organisation’s own SNMP communities', () => {
  it('replaces a community that is not a well-known default by its place in the list', () => {
    expect(connectionForReport(connection, ['public']).snmp.communities).toEqual(['public', '(community 2 of the connection file)']);
    expect(connectionForReport(connection, []).snmp.communities).toEqual([
      '(community 1 of the connection file)',
      '(community 2 of the connection file)',
    ]);
    expect(connection.snmp.communities, 'the connection itself is not changed').toEqual(['public', 'Acme-Monitor-7']);
  });

  it('a whole run: the custom community is nowhere in the report', async () => {
    const profile = parseTestProfile(
      'id: r\nversion: "1"\ntitle: R\nsections:\n  - id: c\n    title: C\n    rows:\n' +
        '      - { ref: CoCo-8, title: Declared flows only, method: automated, decidedBy: [exposure.undeclared-port] }\n',
      'r.yaml',
    );
    const { report } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true });
    expect(JSON.stringify(report)).not.toContain('Acme-Monitor-7');
    expect(report.connection.snmp.communities).toContain('(community 2 of the connection file)');
  });
});
