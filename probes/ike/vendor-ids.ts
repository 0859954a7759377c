/**
 * Vendor ID payloads cocoscan names (values as published in RFCs and vendors' documentation, and as ike-scan's
 * ike-vendor-ids file lists them). Keyed by the full hex or by the first 16 bytes (an MD5 of the vendor's string,
 * often followed by version bytes). Anything else is shown as hex.
 */
const KNOWN: ReadonlyMap<string, string> = new Map([
  ['882fe56d6fd20dbc2251613b2ebe5beb', 'strongSwan'],
  ['09002689dfd6b712', 'XAUTH'],
  ['afcad71368a1f1c96b8696fc77570100', 'Dead Peer Detection v1.0'],
  ['4a131c81070358455c5728f20e95452f', 'RFC 3947 NAT-T'],
  ['90cb80913ebb696e086381b5ec427b1f', 'draft-ietf-ipsec-nat-t-ike-02\\n'],
  ['cd60464335df21f87cfdb2fc68b6a448', 'draft-ietf-ipsec-nat-t-ike-02'],
  ['7d9419a65310ca6f2c179d9215529d56', 'draft-ietf-ipsec-nat-t-ike-03'],
  ['12f5f28c457168a9702d9fe274cc0100', 'Cisco Unity'],
  ['4048b7d56ebce88525e7de7f00d6c2d3', 'IKE Fragmentation'],
  ['1e2b516905991c7d7c96fcbfb587e461', 'Microsoft Windows (MS NT5 ISAKMPOAKLEY)'],
  ['7003cbc1097dbe9c2600ba6983bc8b35', 'KAME/racoon'],
  ['f4ed19e0c114eb516faaac0ee37daf28', 'Check Point'],
  ['1f07f70eaa6514d3b0fa96542a500300', 'Cisco VPN Concentrator 3.0.0'],
]);

/** Longest vendor ID shown, in hex characters: a vendor ID is a server's bytes, kept short in a message. */
export const MAX_VENDOR_ID_HEX = 64;

export interface VendorId {
  hex: string;
  name?: string;
}

export function nameVendorId(hex: string): VendorId {
  const shown = hex.length > MAX_VENDOR_ID_HEX ? `${hex.slice(0, MAX_VENDOR_ID_HEX)}…` : hex;
  const name = KNOWN.get(hex) ?? KNOWN.get(hex.slice(0, 32)) ?? KNOWN.get(hex.slice(0, 16));
  return name ? { hex: shown, name } : { hex: shown };
}
