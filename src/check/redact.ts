import type { ConnectionFile } from '../connection/schema.ts';

/**
 * The connection file as report.json keeps it. SNMP communities the organisation wrote in the file are its
 * secrets (the password of v1 and v2c): each is replaced by its place in the list. The profile's default
 * communities are public knowledge and stay readable, so a reader sees which well-known ones were tried.
 */
export function connectionForReport(connection: ConnectionFile, publicCommunities: readonly string[]): ConnectionFile {
  const communities = connection.snmp.communities;
  if (!communities) return connection;
  const shown = communities.map((community, index) =>
    publicCommunities.includes(community) ? community : `(community ${index + 1} of the connection file)`,
  );
  return { ...connection, snmp: { ...connection.snmp, communities: shown } };
}
