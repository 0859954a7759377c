import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clamscanVersion } from '../fixtures/av/build.ts';

/**
 * A connection checked without any network probe: CoCo-10 judged from a ClamAV output file beside it. A CLI
 * child judges it on the real clock, so the signatures are dated an hour before now, never on a fixed day
 * that ages.
 */
export async function offlineConnection(dir: string): Promise<string> {
  await writeFile(join(dir, 'clamscan.txt'), clamscanVersion(new Date(Date.now() - 3_600_000)));
  const file = join(dir, 'connection.yaml');
  await writeFile(
    file,
    'connection: { name: offline, connectedSystem: M, connectingSystem: T, organisation: O }\ngateways:\n  - name: gw\n    ' +
      'host: 127.0.0.1\n    agentReports: [ { path: clamscan.txt } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n',
  );
  return file;
}
