import { createHmac } from 'node:crypto';

/**
 * Whether a known_hosts file lists this host key for host:port. Plain, bracketed ([host]:port), comma
 * separated and hashed (|1|salt|hash) host fields are understood; @revoked lines reject the key.
 */
export function knownHostsAccepts(text: string, host: string, port: number, keyBlob: Buffer): boolean {
  const names = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  let accepted = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@')) marker = fields.shift();
    const [hosts, , key] = fields;
    if (!hosts || !key || marker === '@cert-authority') continue;
    if (!hostFieldMatches(hosts, names)) continue;
    if (Buffer.from(key, 'base64').equals(keyBlob)) {
      if (marker === '@revoked') return false;
      accepted = true;
    }
  }
  return accepted;
}

function hostFieldMatches(field: string, names: string[]): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return names.some((name) => createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash);
  }
  const patterns = field.split(',');
  if (patterns.some((p) => p.startsWith('!') && names.includes(p.slice(1)))) return false;
  return patterns.some((p) => names.includes(p));
}
