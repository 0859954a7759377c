import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CocoscanError, describeCause } from '../errors.ts';
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

/** nmap's XML could not be read as a complete, sane nmap run: the sweep cannot be judged. */
export class NmapOutputError extends CocoscanError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      message,
      'look at the nmap XML in the evidence folder; rerun the check, and if it recurs run nmap by hand with the same arguments',
      options,
    );
  }
}
/** The former name, kept for callers that still use it. */
export const NmapXmlError = NmapOutputError;
export type NmapXmlError = NmapOutputError;

/** Port states nmap writes; anything else is not nmap output we can judge. */
export const PORT_STATES: ReadonlySet<string> = new Set(['open', 'closed', 'filtered', 'unfiltered', 'open|filtered', 'closed|filtered']);
export const HOST_STATES: ReadonlySet<string> = new Set(['up', 'down', 'unknown', 'skipped']);
const PROTOCOLS: ReadonlySet<string> = new Set(['tcp', 'udp']);
/** A port's state within one protocol covers at most every port number, twice over (TCP and UDP) per host. */
const MAX_PORTS_PER_HOST = 2 * 65535;

const ARRAYS = new Set(['host', 'port', 'extraports', 'extrareasons', 'address', 'scaninfo', 'hostname']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

type Attrs = Record<string, unknown>;

/**
 * Parses nmap's `-oX` output. Throws NmapOutputError, and nothing else, for anything that is not a complete
 * nmap run with sane values: a port outside 1-65535, a state or protocol nmap does not write, a count that
 * cannot be, an element repeated where nmap writes one.
 */
export function parseNmapXml(xml: string): NmapRun {
  try {
    return readNmapXml(xml);
  } catch (error) {
    if (error instanceof NmapOutputError) throw error;
    // The XML library refuses some names itself (`__proto__`), and a deep enough nesting overflows the stack.
    throw new NmapOutputError(`nmap XML could not be read: ${describeCause(error).slice(0, 200)}`, { cause: error });
  }
}

function readNmapXml(xml: string): NmapRun {
  if (typeof xml !== 'string') throw new NmapOutputError('nmap produced no XML text');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new NmapOutputError(`nmap XML is malformed at line ${valid.err.line}: ${valid.err.msg} (the scan was probably cut short)`);
  }
  const doc = parser.parse(xml) as unknown;
  const run = isRecord(doc) ? one(doc.nmaprun, 'nmaprun') : undefined;
  if (!run) throw new NmapOutputError('the output has no <nmaprun> element: not nmap XML');
  const runstats = one(run.runstats, 'runstats');
  const finished = one(runstats?.finished, 'finished');
  if (!finished) throw new NmapOutputError('the nmap XML has no <finished> element: the scan did not complete');
  const hostCounts = one(runstats?.hosts, 'hosts');
  return {
    version: str(run.version) ?? 'unknown',
    args: str(run.args) ?? '',
    scanTypes: many(run.scaninfo, 'scaninfo').map((info) => ({
      type: str(info.type) ?? '',
      protocol: str(info.protocol) ?? '',
      services: str(info.services) ?? '',
    })),
    hosts: many(run.host, 'host').map(parseHost),
    exit: str(finished.exit) ?? 'unknown',
    errorMessage: str(finished.errormsg),
    summary: str(finished.summary),
    elapsedSeconds: num(finished.elapsed),
    hostsTotal: count(hostCounts?.total, 'hosts total', Number.MAX_SAFE_INTEGER) ?? 0,
    hostsDown: count(hostCounts?.down, 'hosts down', Number.MAX_SAFE_INTEGER) ?? 0,
  };
}

function parseHost(host: Attrs): NmapHost {
  const status = one(host.status, 'status') ?? {};
  const ports = one(host.ports, 'ports') ?? {};
  const state = str(status.state) ?? 'unknown';
  if (!HOST_STATES.has(state)) throw new NmapOutputError(`nmap XML gives a host the state "${clip(state)}", which nmap does not write`);
  const listed = many(ports.port, 'port').map(parsePort);
  const seen = new Set<string>();
  for (const port of listed) {
    const key = `${port.port}/${port.protocol}`;
    if (seen.has(key)) throw new NmapOutputError(`nmap XML lists port ${key} twice for one host`);
    seen.add(key);
  }
  const extraPorts = many(ports.extraports, 'extraports').map(parseExtraPorts);
  const total = listed.length + extraPorts.reduce((sum, extra) => sum + extra.count, 0);
  if (total > MAX_PORTS_PER_HOST) throw new NmapOutputError(`nmap XML accounts for ${total} ports on one host, more than TCP and UDP hold`);
  return {
    status: state,
    timedOut: str(host.timedout) === 'true',
    statusReason: str(status.reason) ?? '',
    addresses: many(host.address, 'address')
      .map((a) => str(a.addr) ?? '')
      .filter(Boolean),
    hostnames: many(one(host.hostnames, 'hostnames')?.hostname, 'hostname')
      .map((h) => str(h.name) ?? '')
      .filter(Boolean),
    ports: listed,
    extraPorts,
  };
}

function parseExtraPorts(extra: Attrs): NmapExtraPorts {
  const state = knownState(extra.state);
  const reasons = many(extra.extrareasons, 'extrareasons').map((reason) => {
    const protocol = str(reason.proto);
    if (protocol !== undefined && !PROTOCOLS.has(protocol))
      throw new NmapOutputError(`nmap XML names the protocol "${clip(protocol)}", which cocoscan never scans`);
    return {
      reason: str(reason.reason) ?? 'unknown',
      count: count(reason.count, 'extrareasons count', 65535) ?? 0,
      protocol,
      ports: str(reason.ports),
    };
  });
  return { state, count: count(extra.count, 'extraports count', 65535) ?? 0, reasons };
}

function parsePort(port: Attrs): NmapPort {
  const state = one(port.state, 'state') ?? {};
  const service = one(port.service, 'service');
  const protocol = str(port.protocol);
  if (protocol !== 'tcp' && protocol !== 'udp')
    throw new NmapOutputError(`nmap XML names the protocol "${clip(protocol ?? '')}", which cocoscan never scans`);
  const number = decimal(port.portid);
  if (number === undefined || number < 1 || number > 65535) {
    throw new NmapOutputError(`nmap XML gives the port number "${clip(str(port.portid) ?? '')}", outside 1-65535`);
  }
  return {
    protocol,
    port: number,
    state: knownState(state.state),
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

function knownState(value: unknown): string {
  const state = str(value);
  if (state === undefined || !PORT_STATES.has(state))
    throw new NmapOutputError(`nmap XML gives a port the state "${clip(state ?? '')}", which nmap does not write`);
  return state;
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

/** Longest piece of a service banner (name, product, version, extra info) kept in a finding. */
export const MAX_SERVICE_FIELD = 120;

/** A server chooses its banner: each piece quoted in a finding is cut to MAX_SERVICE_FIELD characters. */
export function clipServiceField(text: string, limit = MAX_SERVICE_FIELD): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [${text.length - limit} more characters in the nmap XML]`;
}

/** A readable one-liner for a service: "http nginx 1.22.1 (ssl)". Each piece is clipped. */
export function describeService(service: NmapService | undefined): string {
  if (!service?.name) return 'unidentified service';
  const clip = (text: string | undefined) => (text === undefined ? undefined : clipServiceField(text));
  const name = clip(service.tunnel ? `${service.tunnel}/${service.name}` : service.name);
  const parts = [name, clip(service.product), clip(service.version), service.extraInfo ? `(${clip(service.extraInfo)})` : undefined];
  const text = parts.filter(Boolean).join(' ');
  return service.method === 'table' ? `${text} (guessed from the port number)` : text;
}

function isRecord(value: unknown): value is Attrs {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An element nmap writes once: absent, or a single element (an empty one reads as ''). */
function one(value: unknown, name: string): Attrs | undefined {
  if (value === undefined || value === '') return undefined;
  if (isRecord(value)) return value;
  throw new NmapOutputError(`nmap XML has ${Array.isArray(value) ? 'several' : 'a malformed'} <${name}> where nmap writes one`);
}

/** An element nmap may repeat; every one must be an element, not text. */
function many(value: unknown, name: string): Attrs[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (item === '') return {};
    if (isRecord(item)) return item;
    throw new NmapOutputError(`nmap XML has a malformed <${name}> element`);
  });
}

function count(value: unknown, what: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = decimal(value);
  if (n === undefined || n > max)
    throw new NmapOutputError(`nmap XML gives ${what} "${clip(str(value) ?? '')}", not a count from 0 to ${max}`);
  return n;
}

/** Names from the XML quoted in an error stay short. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** A whole number written in plain decimal digits, as nmap writes ports and counts ("0x16", " 22", "1e3" are not). */
function decimal(value: unknown): number | undefined {
  const text = str(value);
  if (text === undefined || !/^\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
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
