import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAvData } from '../../src/av/parse.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/av/${name}`, import.meta.url), 'utf8');
const iso = (d: Date | undefined) => d?.toISOString();

describe('anti-virus data formats', () => {
  it('clamscan --version: engine, database version and build time (host offset applied)', () => {
    const [utc] = parseAvData(fixture('clamscan-version.txt'), 0);
    expect(utc).toMatchObject({ format: 'clamscan-version', product: 'ClamAV', engineVersion: '1.4.6', signatureVersion: '27468' });
    expect(iso(utc?.signatureTime)).toBe('2026-11-22T07:33:12.000Z');
    expect(iso(parseAvData(fixture('clamscan-version.txt'), 60)[0]?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
    expect(parseAvData(fixture('clamscan-version.txt'))[0]?.notes[0]).toMatch(/read as UTC/);
    expect(parseAvData('ClamAV 1.4.6\n')[0]?.cannotShowAge).toMatch(/no database is loaded/);
  });

  it('sigtool --info: build time with its zone', () => {
    const [info] = parseAvData(fixture('sigtool-info-daily.txt'));
    expect(info).toMatchObject({ format: 'sigtool-info', signatureVersion: '27468' });
    expect(iso(info?.signatureTime)).toBe('2026-11-22T07:33:00.000Z');
  });

  it('freshclam.log: one update run per block, up-to-date checks included', () => {
    const [every] = parseAvData(fixture('freshclam-every-2h.log'), 0);
    expect(every?.updateRuns).toHaveLength(24);
    expect(iso(every?.updateRuns?.[0])).toBe('2026-11-20T08:00:09.000Z');
    expect(iso(every?.historyStart)).toBe('2026-11-20T08:00:00.000Z');
    const [gap] = parseAvData(fixture('freshclam-6h-gap.log'), 0);
    expect(gap?.updateRuns).toHaveLength(22);
  });

  it('Defender from PowerShell 5.1 and 7', () => {
    const [ps51] = parseAvData(fixture('defender-ps51.json'));
    expect(ps51).toMatchObject({ format: 'defender-status', product: 'Microsoft Defender', signatureVersion: '1.421.1203.0', engineRunning: true, realTimeProtection: true });
    expect(iso(ps51?.signatureTime)).toBe('2026-11-22T05:33:12.000Z');
    const [ps7] = parseAvData(fixture('defender-ps7-rtp-off.json'));
    expect(ps7).toMatchObject({ realTimeProtection: false });
    expect(iso(ps7?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
  });

  it('mdatp health JSON with managed values', () => {
    const [mdatp] = parseAvData(fixture('mdatp-health.json'));
    expect(mdatp).toMatchObject({ format: 'mdatp-health', realTimeProtection: true, engineRunning: true, signatureVersion: '1.421.1203.0' });
    expect(iso(mdatp?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
  });

  it('osquery: Security Center cannot show age; database file times can', () => {
    expect(parseAvData(fixture('osquery-windows-security-center.json'))[0]?.cannotShowAge).toMatch(/cannot show how old/);
    expect(iso(parseAvData(fixture('osquery-clamav-files.json'))[0]?.signatureTime)).toBe('2026-11-22T07:33:21.000Z');
  });

  it('ignores what it does not recognise', () => {
    expect(parseAvData('hello world')).toEqual([]);
    expect(parseAvData('{"not": "av"}')).toEqual([]);
    expect(parseAvData('{broken')).toEqual([]);
  });
});
