import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { expandPortList } from './ports.ts';

export interface NmapService {
  name?: string;
  product?: string;
  version?: string;
  extraInfo?: string;
  tunnel?: string;
  /** "probed" when nmap talked to the service, "table" when the name is only a guess from the port number. */
  method?: string;
  confidence?: number;
  fingerprint?: string;
}

export interface NmapPort {
  protocol: 'tcp' | 'udp';
  port: number;
  state: string;
  reason: string;
  service?: NmapService;
}

export interface NmapExtraPorts {
  state: string;
  count: number;
  reasons: { reason: string; count: number; protocol?: string; ports?: string }[];
}

export interface NmapHost {
  status: string;
  /** nmap gave up on the host at --host-timeout: its port list is incomplete. */
  timedOut: boolean;
  statusReason: string;
  addresses: string[];
  /** Names given on the command line (type "user") and found by reverse DNS. */
  hostnames: string[];
  ports: NmapPort[];
  extraPorts: NmapExtraPorts[];
}

export interface NmapRun {
  version: string;
  args: string;
  scanTypes: { type: string; protocol: string; services: string }[];
  hosts: NmapHost[];
  exit: string;
  errorMessage?: string;
  summary?: string;
  elapsedSeconds?: number;
  hostsTotal: number;
  hostsDown: number;
}

export class NmapXmlError extends Error {}

const ARRAYS = new Set(['host', 'port', 'extraports', 'extrareasons', 'address', 'scaninfo', 'hostname']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

type Attrs = Record<string, unknown>;

/** Parses nmap's `-oX` output. Throws NmapXmlError for anything that is not a complete nmap run. */
export function parseNmapXml(xml: string): NmapRun {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new NmapXmlError(`nmap XML is malformed at line ${valid.err.line}: ${valid.err.msg} (the scan was probably cut short)`);
  }
  const doc = parser.parse(xml) as { nmaprun?: Attrs };
  const run = doc.nmaprun;
  if (!run) throw new NmapXmlError('the output has no <nmaprun> element: not nmap XML');
  const runstats = run.runstats as Attrs | undefined;
  const finished = runstats?.finished as Attrs | undefined;
  if (!finished) throw new NmapXmlError('the nmap XML has no <finished> element: the scan did not complete');
  return {
    version: str(run.version) ?? 'unknown',
    args: str(run.args) ?? '',
    scanTypes: ((run.scaninfo as Attrs[] | undefined) ?? []).map((info) => ({
      type: str(info.type) ?? '',
      protocol: str(info.protocol) ?? '',
      services: str(info.services) ?? '',
    })),
    hosts: ((run.host as Attrs[] | undefined) ?? []).map(parseHost),
    exit: str(finished.exit) ?? 'unknown',
    errorMessage: str(finished.errormsg),
    summary: str(finished.summary),
    elapsedSeconds: num(finished.elapsed),
    hostsTotal: num((runstats?.hosts as Attrs | undefined)?.total) ?? 0,
    hostsDown: num((runstats?.hosts as Attrs | undefined)?.down) ?? 0,
  };
}

function parseHost(host: Attrs): NmapHost {
  const status = (host.status as Attrs | undefined) ?? {};
  const ports = (host.ports as Attrs | undefined) ?? {};
  return {
    status: str(status.state) ?? 'unknown',
    timedOut: str(host.timedout) === 'true',
    statusReason: str(status.reason) ?? '',
    addresses: ((host.address as Attrs[] | undefined) ?? []).map((a) => str(a.addr) ?? '').filter(Boolean),
    hostnames: ((((host.hostnames as Attrs | undefined)?.hostname as Attrs[] | undefined) ?? [])).map((h) => str(h.name) ?? '').filter(Boolean),
    ports: ((ports.port as Attrs[] | undefined) ?? []).map(parsePort),
    extraPorts: ((ports.extraports as Attrs[] | undefined) ?? []).map((extra) => ({
      state: str(extra.state) ?? 'unknown',
      count: num(extra.count) ?? 0,
      reasons: ((extra.extrareasons as Attrs[] | undefined) ?? []).map((reason) => ({
        reason: str(reason.reason) ?? 'unknown',
        count: num(reason.count) ?? 0,
        protocol: str(reason.proto),
        ports: str(reason.ports),
      })),
    })),
  };
}

function parsePort(port: Attrs): NmapPort {
  const state = (port.state as Attrs | undefined) ?? {};
  const service = port.service as Attrs | undefined;
  const protocol = str(port.protocol) === 'udp' ? 'udp' : 'tcp';
  return {
    protocol,
    port: num(port.portid) ?? 0,
    state: str(state.state) ?? 'unknown',
    reason: str(state.reason) ?? 'unknown',
    service: service
      ? {
          name: str(service.name),
          product: str(service.product),
          version: str(service.version),
          extraInfo: str(service.extrainfo),
          tunnel: str(service.tunnel),
          method: str(service.method),
          confidence: num(service.conf),
          fingerprint: str(service.servicefp),
        }
      : undefined,
  };
}

export interface PortState {
  state: string;
  reason: string;
  port?: NmapPort;
}

/** The state nmap gave one port, whether listed on its own or folded into <extraports>. */
export function portStateOf(host: NmapHost, protocol: 'tcp' | 'udp', port: number): PortState | undefined {
  const listed = host.ports.find((p) => p.protocol === protocol && p.port === port);
  if (listed) return { state: listed.state, reason: listed.reason, port: listed };
  for (const extra of host.extraPorts) {
    for (const reason of extra.reasons) {
      if (reason.protocol && reason.protocol !== protocol) continue;
      if (reason.ports && expandPortList(reason.ports).includes(port)) return { state: extra.state, reason: reason.reason };
    }
  }
  return undefined;
}

/** A readable one-liner for a service: "http nginx 1.22.1 (ssl)". */
export function describeService(service: NmapService | undefined): string {
  if (!service?.name) return 'unidentified service';
  const name = service.tunnel ? `${service.tunnel}/${service.name}` : service.name;
  const parts = [name, service.product, service.version, service.extraInfo ? `(${service.extraInfo})` : undefined];
  const text = parts.filter(Boolean).join(' ');
  return service.method === 'table' ? `${text} (guessed from the port number)` : text;
}

function str(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function num(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}
