import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const tableSchema = z.strictObject({
  checked: date,
  releases: z.array(
    z.strictObject({ id: z.string(), version: z.string(), name: z.string(), supportEnds: date, extendedEnds: date.optional() }),
  ),
});

/** Vendor end-of-support dates, kept as data (os-support.yaml, with its sources and the date it was checked). */
export const OS_SUPPORT = tableSchema.parse(parse(readFileSync(new URL('./os-support.yaml', import.meta.url), 'utf8')));
export type OsRelease = z.infer<typeof tableSchema>['releases'][number];

/** The table entry for an /etc/os-release (ID, VERSION_ID); RHEL minor versions count as their major. */
export function findRelease(id: string, versionId: string): OsRelease | undefined {
  const normalised =
    id === 'rhel' || id === 'rocky' || id === 'almalinux' || id === 'centos'
      ? versionId.split('.')[0]!
      : id === 'alpine'
        ? versionId.split('.').slice(0, 2).join('.')
        : versionId;
  return OS_SUPPORT.releases.find((r) => r.id === id && r.version === normalised);
}
