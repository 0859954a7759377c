import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeExposure } from '../../probes/exposure/judge.ts';
import { judgeFiltering } from '../../probes/firewall/judge.ts';
import type { Flow } from '../../src/connection/schema.ts';
import { CocoscanError } from '../../src/errors.ts';
import { HOST_STATES, NmapOutputError, parseNmapXml, PORT_STATES, portStateOf, type NmapRun } from '../../src/nmap/parse.ts';
import { expandPortList } from '../../src/nmap/ports.ts';

const FIXTURES = ['open-gateway.xml', 'firewalled-gateway.xml', 'open-gateway-udp.xml', 'unreachable-host.xml'];
const fixture = (name: string) => readFileSync(new URL(`../fixtures/nmap/${name}`, import.meta.url), 'utf8');
const texts = FIXTURES.map(fixture);

/** Parses, and holds the reader to its contract: a typed error, or a run whose every value is sane. */
function readOrTypedError(xml: string): NmapRun | undefined {
  let run: NmapRun;
  try {
    run = parseNmapXml(xml);
  } catch (error) {
    expect(error).toBeInstanceOf(NmapOutputError);
    expect(error).toBeInstanceOf(CocoscanError);
    return undefined;
  }
  for (const host of run.hosts) {
    expect(HOST_STATES.has(host.status)).toBe(true);
    for (const port of host.ports) {
      expect(Number.isInteger(port.port) && port.port >= 1 && port.port <= 65535).toBe(true);
      expect(['tcp', 'udp']).toContain(port.protocol);
      expect(PORT_STATES.has(port.state)).toBe(true);
    }
    for (const extra of host.extraPorts) {
      expect(PORT_STATES.has(extra.state)).toBe(true);
      expect(Number.isInteger(extra.count) && extra.count >= 0 && extra.count <= 65535).toBe(true);
      for (const reason of extra.reasons) {
        expect(Number.isInteger(reason.count) && reason.count >= 0 && reason.count <= 65535).toBe(true);
        if (reason.protocol !== undefined) expect(['tcp', 'udp']).toContain(reason.protocol);
        for (const port of expandPortList(reason.ports ?? '')) expect(port >= 1 && port <= 65535).toBe(true);
      }
    }
    // Whatever was read, judging it never throws and never reads a port that cannot be.
    const flows = [{ name: 'web', protocol: 'https', port: 443, transport: 'tcp' }] as Flow[];
    judgeExposure({
      host,
      plan: { tcpPorts: '1-65535', privileged: true, serviceDetection: true },
      flows,
      target: { gateway: 'gw', host: 'h' },
      source: { name: 's', time: '' },
    });
    judgeFiltering(
      { host, target: { gateway: 'gw', host: 'h' }, declaredTcp: [443], source: { name: 'nmap', time: '' } },
      { minFilteredShare: 0.9 },
    );
    portStateOf(host, 'tcp', 443);
  }
  return run;
}

const ODD_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype', 'sctp', 'ip', ''];
const ODD_NUMBERS = [
  '0',
  '70000',
  '65536',
  '-1',
  '-0',
  'NaN',
  'Infinity',
  '1e309',
  '1.5',
  '0x16',
  ' 22',
  '99999999999999999999',
  '4294967297',
];
const oddValue = fc.oneof(
  fc.constantFrom(
    ...ODD_NAMES,
    ...ODD_NUMBERS,
    'tcp',
    'udp',
    'open',
    'closed',
    'filtered',
    'success',
    'up',
    'down',
    'no-response',
    'reset',
  ),
  fc.string({ maxLength: 12 }),
);
const ATTRIBUTES = [
  'portid',
  'protocol',
  'state',
  'reason',
  'count',
  'proto',
  'ports',
  'name',
  'product',
  'version',
  'exit',
  'total',
  'down',
  'addr',
  'timedout',
  'method',
  'tunnel',
];

/** XML-escapes a value for an attribute. */
const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

describe('nmap XML reader under odd input', () => {
  it('never yields anything but a sane run or NmapOutputError, on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => void readOrTypedError(text)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => void readOrTypedError(`<nmaprun>${text}</nmaprun>`)),
      { numRuns: 200 },
    );
  });

  it('never yields anything but a sane run or NmapOutputError, on random XML trees of nmap element names', () => {
    const names = fc.constantFrom(
      'nmaprun',
      'host',
      'ports',
      'port',
      'state',
      'service',
      'runstats',
      'finished',
      'hosts',
      'extraports',
      'extrareasons',
      'address',
      'status',
      'hostnames',
      'hostname',
      ...ODD_NAMES.filter(Boolean),
    );
    const attrs = fc.array(fc.tuple(fc.constantFrom(...ATTRIBUTES, 'constructor', 'toString'), oddValue), { maxLength: 4 });
    const render = (name: string, list: [string, string][], children: string[]) =>
      `<${name}${[...new Map(list).entries()].map(([k, v]) => ` ${k}="${attr(v)}"`).join('')}>${children.join('')}</${name}>`;
    const { element } = fc.letrec<{ element: string }>((tie) => ({
      element: fc.oneof(
        { maxDepth: 5, depthIdentifier: 'tree' },
        fc.tuple(names, attrs).map(([name, list]) => render(name, list, [])),
        fc
          .tuple(names, attrs, fc.array(tie('element'), { maxLength: 3, depthIdentifier: 'tree' }))
          .map(([name, list, children]) => render(name, list, children)),
      ),
    }));
    fc.assert(
      fc.property(element, (xml) => void readOrTypedError(xml)),
      { numRuns: 400 },
    );
    // With a finished run around it, so the hosts are read.
    const finishedRun = element.map(
      (inner) => `<nmaprun>${inner}<runstats><finished exit="success"/><hosts up="1" down="0" total="1"/></runstats></nmaprun>`,
    );
    fc.assert(
      fc.property(finishedRun, (xml) => void readOrTypedError(xml)),
      { numRuns: 400 },
    );
  });

  it('never yields anything but a sane run or NmapOutputError, on real sweeps with mutated attributes', () => {
    const mutated = fc
      .tuple(fc.constantFrom(...texts), fc.array(fc.tuple(fc.nat(), oddValue), { minLength: 1, maxLength: 4 }))
      .map(([xml, edits]) => {
        let out = xml;
        const spots = [...xml.matchAll(/ (\w+)="([^"]*)"/g)];
        for (const [pick, value] of edits) {
          const spot = spots[pick % spots.length]!;
          out = out.replace(spot[0], ` ${spot[1]}="${attr(value)}"`);
        }
        return out;
      });
    fc.assert(
      fc.property(mutated, (xml) => void readOrTypedError(xml)),
      { numRuns: 400 },
    );
  });

  it('refuses odd attribute values with the typed error, never reads them as a port or state', () => {
    const open = fixture('open-gateway.xml');
    // ' 22' is left out: the XML reader trims attribute values, as XML allows.
    for (const value of [...ODD_NUMBERS.filter((n) => n !== ' 22'), 'constructor', '__proto__']) {
      expect(() => parseNmapXml(open.replace('portid="22"', `portid="${value}"`))).toThrow(NmapOutputError);
    }
    for (const value of ['constructor', '__proto__', 'toString', 'unknown', 'OPEN', '']) {
      expect(() => parseNmapXml(open.replace('state state="open"', `state state="${value}"`))).toThrow(NmapOutputError);
      expect(() => parseNmapXml(open.replace('extraports state="closed"', `extraports state="${value}"`))).toThrow(NmapOutputError);
    }
    for (const value of ['sctp', 'ip', 'constructor', '']) {
      expect(() => parseNmapXml(open.replace('port protocol="tcp" portid="22"', `port protocol="${value}" portid="22"`))).toThrow(
        NmapOutputError,
      );
    }
    for (const value of ['-1', 'NaN', '1e12', '65536', '2.5']) {
      expect(() => parseNmapXml(open.replace('count="1022">', `count="${value}">`))).toThrow(NmapOutputError);
    }
    // An attribute the XML library itself refuses is still the typed error.
    expect(() => parseNmapXml(open.replace('<port protocol', '<port __proto__="x" protocol'))).toThrow(NmapOutputError);
    // The same port twice, or a host's port table repeated, cannot be nmap's.
    const port22 = /<port protocol="tcp" portid="22">.*?<\/port>/.exec(open)![0];
    expect(() => parseNmapXml(open.replace(port22, port22 + port22))).toThrow(/twice/);
    expect(() => parseNmapXml(open.replace('</ports>', '</ports><ports></ports>'))).toThrow(NmapOutputError);
  });

  it('reads a banner full of control characters as data, clipped in findings', () => {
    const banner = fc.string({ unit: 'binary', minLength: 1, maxLength: 3000 });
    const open = fixture('open-gateway.xml');
    fc.assert(
      fc.property(banner, (text) => {
        const run = readOrTypedError(
          open.replace('product="nginx" version="1.22.1" method', `product="${attr(text)}" version="1.22.1" method`),
        );
        if (!run) return;
        const flows = [{ name: 'web', protocol: 'https', port: 443, transport: 'tcp' }] as Flow[];
        const findings = judgeExposure({
          host: run.hosts[0]!,
          plan: { tcpPorts: '1-1024', privileged: true, serviceDetection: true },
          flows,
          target: { gateway: 'gw', host: 'h' },
          source: { name: 's', time: '' },
        });
        for (const finding of findings) expect(JSON.stringify(finding).length).toBeLessThan(3000);
      }),
      { numRuns: 200 },
    );
  });

  it('survives nesting deep enough to overflow a recursive reader, and entities nested to expand a billion times', () => {
    readOrTypedError(`<nmaprun>${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}</nmaprun>`);
    const entities = ['<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'];
    for (const [name, inner] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
      ['h', 'g'],
    ])
      entities.push(`<!ENTITY ${name} "${`&${inner};`.repeat(10)}">`);
    const laughs =
      `<?xml version="1.0"?><!DOCTYPE nmaprun [${entities.join('')}]><nmaprun ` +
      `version="${'&h;'.repeat(50)}"><runstats><finished exit="success"/></runstats></nmaprun>`;
    const started = performance.now();
    const run = readOrTypedError(laughs);
    expect(performance.now() - started).toBeLessThan(5000);
    if (run) expect(run.version.length).toBeLessThan(1_000_000);
  });

  it('reads every cut of a sweep (nmap killed mid-write) as NmapOutputError, never as a run', () => {
    for (const xml of texts) {
      const end = xml.lastIndexOf('</nmaprun>') + '</nmaprun>'.length;
      for (let cut = 0; cut < end; cut += 1) {
        expect(() => parseNmapXml(xml.slice(0, cut)), `cut at ${cut}`).toThrow(NmapOutputError);
      }
    }
  });

  it('reads a sweep without <finished>, or with it left empty, as unfinished', () => {
    const xml = fixture('open-gateway.xml');
    expect(() => parseNmapXml(xml.replace(/<finished[^>]*\/>/, ''))).toThrow(/did not complete/);
    expect(() => parseNmapXml(xml.replace(/<finished[^>]*\/>/, '<finished/>'))).toThrow(/did not complete/);
    expect(parseNmapXml(xml.replace(/<finished[^>]*\/>/, '<finished exit="error"/>')).exit).toBe('error');
  });

  it('expands no port list into a port outside 1-65535 or into more than 65535 ports', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constantFrom('0', '0-10', '65535-70000', '1-65535', '-5', '3-1', '1-2-3', 'a-b'), fc.string({ maxLength: 8 })),
          { maxLength: 40 },
        ),
        (parts) => {
          const ports = expandPortList(parts.join(','));
          expect(ports.length).toBeLessThanOrEqual(65535);
          expect(ports.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    expect(expandPortList(Array(2000).fill('1-65535').join(','))).toHaveLength(65535);
    expect(expandPortList('0,1')).toEqual([1]);
  });
});
