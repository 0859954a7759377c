import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.ts';
import { applyEvent, cutToWidth, displayWidth, progressLine, shortDuration, type GatewayProgress } from '../../src/cli/progress-line.ts';
import { parseNmapTiming } from '../../src/nmap/run.ts';

/** Every C0/C1 control and bidirectional override: none may reach the terminal from a name or an activity. */
const CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function busy(): GatewayProgress {
  let state = applyEvent(undefined, { gateway: 'gw', activity: 'nmap SYN Stealth Scan', percent: 42.5, remainingSeconds: 75 });
  for (const port of ['22/tcp', '443/tcp', '22/tcp'])
    state = applyEvent(state, { gateway: 'gw', activity: `found ${port}`, openPort: port });
  for (const id of ['tls', 'ssh', 'exposure'])
    state = applyEvent(state, { gateway: 'gw', activity: `${id} started`, probe: { id, running: true } });
  return applyEvent(state, { gateway: 'gw', activity: 'ssh ended', probe: { id: 'ssh', running: false } });
}

describe('nmap timing lines', () => {
  it("reads nmap's percentage and its estimate of the time left", () => {
    expect(parseNmapTiming('SYN Stealth Scan Timing: About 45.50% done; ETC: 14:32 (0:01:05 remaining)')).toEqual({
      task: 'SYN Stealth Scan',
      percent: 45.5,
      remainingSeconds: 65,
    });
    expect(parseNmapTiming('Service scan Timing: About 3.00% done; ETC: 14:32 (1:00:00 remaining)')?.remainingSeconds).toBe(3600);
    expect(parseNmapTiming('Connect Scan Timing: About 9.10% done')).toEqual({ task: 'Connect Scan', percent: 9.1 });
    expect(parseNmapTiming('Stats: 0:00:02 elapsed; 0 hosts completed (1 up), 1 undergoing SYN Stealth Scan')).toBeUndefined();
    expect(parseNmapTiming('X Timing: About 999.00% done')?.percent).toBe(100);
    expect(parseNmapTiming(`${'a'.repeat(5000)} Timing: About 1.00% done`)).toBeUndefined();
  });
});

describe('a gateway progress line', () => {
  it('shows the activity, nmap percentage and estimate, the open ports once each, and the probes running', () => {
    const line = progressLine('gw-1', busy(), 12);
    expect(line).toBe('[12s] gw-1: nmap SYN Stealth Scan 43% (nmap: 1m15s left) · open 22/tcp 443/tcp · running tls, exposure');
    // A new activity replaces nmap's figures; the ports found and the probes running stay.
    // Other work on the gateway is shown beside nmap's figures, not instead of them.
    const snmp = applyEvent(busy(), { gateway: 'gw', activity: 'SNMP community and v3 checks' });
    expect(progressLine('gw-1', snmp, 12)).toBe(
      '[12s] gw-1: nmap SYN Stealth Scan 43% (nmap: 1m15s left) · SNMP community and v3 checks · open 22/tcp 443/tcp · running tls, exposure',
    );
    const later = applyEvent(busy(), { gateway: 'gw', activity: 'nmap sweep finished', percent: 100 });
    expect(progressLine('gw-1', later, 3725)).toBe('[1h02m] gw-1: nmap sweep finished 100% · open 22/tcp 443/tcp · running tls, exposure');
  });

  it('keeps a bounded list of ports, counting the rest', () => {
    let state = busy();
    for (let port = 1000; port < 1100; port += 1) state = applyEvent(state, { gateway: 'gw', activity: 'x', openPort: `${port}/tcp` });
    expect(state.openPorts.length).toBeLessThanOrEqual(32);
    expect(state.portsFound).toBe(102);
    expect(progressLine('gw', state, 1)).toContain('open 22/tcp 443/tcp 1000/tcp 1001/tcp 1002/tcp 1003/tcp 1004/tcp 1005/tcp +94 more');
  });

  it('is not cut at width 0 or an unknown width, and fits 10 and 80 columns with the last one left empty', () => {
    const full = progressLine('gw-1', busy(), 12);
    expect(progressLine('gw-1', busy(), 12, 0)).toBe(full);
    expect(progressLine('gw-1', busy(), 12, undefined)).toBe(full);
    const ten = progressLine('gw-1', busy(), 12, 10);
    expect(ten).toBe('[12s] gw…');
    expect(displayWidth(ten)).toBe(9);
    const eighty = progressLine('gw-1', busy(), 12, 80);
    expect(displayWidth(eighty)).toBe(79);
    expect(eighty.endsWith('…')).toBe(true);
    expect(full.startsWith(eighty.slice(0, -1))).toBe(true);
    expect(progressLine('gw-1', busy(), 12, 1)).toBe('');
    expect(progressLine('gw-1', busy(), 12, 2)).toBe('…');
  });

  it('counts wide characters as two columns and never splits one; combining marks take none', () => {
    expect(displayWidth('网关一')).toBe(6);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('🔥')).toBe(2);
    expect(cutToWidth('网关一号', 6)).toBe('网关…');
    const line = progressLine('网关一号', busy(), 0, 12);
    expect(displayWidth(line)).toBeLessThanOrEqual(11);
    expect(line).toBe('[0s] 网关…');
  });

  it('shows control characters and overrides of a hostile name or activity as visible escapes', () => {
    const state = applyEvent(undefined, { gateway: 'x', activity: 'banner \u001b]0;owned\u0007 \u202eevil', percent: 5 });
    const hostile = applyEvent(state, { gateway: 'x', activity: 'p', probe: { id: 'p\u001b[2J', running: true } });
    const line = progressLine(
      'gw\u001b[2J\u009b31m\r\nx',
      applyEvent(hostile, { gateway: 'x', activity: '', openPort: '1/\u0000' }),
      1,
      200,
    );
    expect(line).not.toMatch(CONTROLS);
    expect(line).not.toContain('\n');
    expect(line).toContain('gw\\x1b[2J\\x9b31m');
    expect(line).toContain('\\x1b]0;owned\\x07 \\u202eevil');
    expect(line).toContain('running p\\x1b[2J');
    expect(line).toContain('open 1/\\x00');
  });

  it('says durations briefly', () => {
    expect([0, 7, 59.6, 75, 3599, 3725, 90_000].map(shortDuration)).toEqual(['0s', '7s', '1m00s', '1m15s', '59m59s', '1h02m', '25h00m']);
  });
});

function fakeStream(columns: number | undefined, rows?: number): { stream: NodeJS.WriteStream; written: () => string } {
  let out = '';
  const stream = { columns, rows, write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, written: () => out };
}

describe('the progress display', () => {
  it('on a terminal of known width: one line per gateway, redrawn in place, cut to the width, erased at the end', () => {
    let now = 1_000_000;
    const { stream, written } = fakeStream(40, 24);
    const progress = new Progress(stream, () => now);
    progress.start();
    progress.update({ gateway: 'gw-a', activity: 'nmap sweep of 127.0.0.1', percent: 0 });
    progress.update({ gateway: 'gw-b', activity: 'nmap sweep of 127.0.0.2', percent: 0 });
    now += 2000;
    progress.update({ gateway: 'gw-a', activity: 'nmap SYN Stealth Scan', percent: 50, remainingSeconds: 3 });
    progress.stop();
    const frames = written().split('\r\u001b[J');
    expect(frames.at(-1)).toBe('');
    const last = frames.at(-2)!.replace(/\u001b\[\d+A$/, '');
    expect(last.split('\n')).toEqual(['[2s] gw-a: nmap SYN Stealth Scan 50% (…', '[2s] gw-b: nmap sweep of 127.0.0.2 0%']);
    // Two lines on screen: each redraw goes up one line first, and so does the final erase.
    expect(written()).toMatch(/\u001b\[1A\r\u001b\[J$/);
    for (const frame of frames)
      for (const line of frame.replace(/\u001b\[\d+A/g, '').split('\n')) expect(displayWidth(line)).toBeLessThan(40);
  });

  it('redraws a bounded number of times a second however many events come, and shows no more gateways than rows', () => {
    const { stream, written } = fakeStream(80, 6);
    const progress = new Progress(stream, () => 5_000_000);
    for (let i = 0; i < 10_000; i += 1) progress.update({ gateway: `gw-${i % 50}`, activity: 'x', openPort: `${i}/tcp` });
    const frames = written().split('\r\u001b[J').filter(Boolean);
    expect(frames.length).toBeLessThanOrEqual(20);
    const lines = frames
      .at(-1)!
      .replace(/\u001b\[\d+A/g, '')
      .split('\n');
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toMatch(/^… and \d+ more gateways$/);
    progress.stop();
  });

  it("erases its lines around other output, and shows nothing once every gateway's check has ended", () => {
    const { stream, written } = fakeStream(80, 24);
    const progress = new Progress(stream, () => 9_000_000);
    progress.start();
    progress.update({ gateway: 'a/gw', activity: 'nmap sweep of 127.0.0.1' });
    progress.update({ gateway: 'b/gw', activity: 'nmap sweep of 127.0.0.2' });
    const before = written().length;
    progress.forget('a/');
    progress.interrupt(() => stream.write('summary of a\n'));
    // Up one line and erase both, the summary, then the remaining gateway's line below it.
    expect(written().slice(before)).toBe('\u001b[1A\r\u001b[Jsummary of a\n\r\u001b[J[0s] b/gw: nmap sweep of 127.0.0.2');
    progress.forget('b/');
    progress.interrupt(() => stream.write('summary of b\n'));
    expect(written().endsWith('\r\u001b[Jsummary of b\n')).toBe(true);
    progress.stop();
    expect(written().endsWith('\r\u001b[Jsummary of b\n')).toBe(true);
  });

  it('with no width, where a gateway got to is printed when its check ends, even when the lines of that second were used up', () => {
    const { stream, written } = fakeStream(0);
    const progress = new Progress(stream, () => 3_000_000);
    for (const step of ['a', 'b', 'c', 'd', 'e', 'f']) progress.update({ gateway: 'gw', activity: `step ${step}` });
    expect(written().split('\n').filter(Boolean)).toHaveLength(4);
    progress.stop();
    expect(written().split('\n').filter(Boolean).at(-1)).toBe('[0s] gw: step f');
    progress.stop();
    expect(written().split('\n').filter(Boolean)).toHaveLength(5);
  });

  for (const columns of [0, undefined]) {
    it(`with a width of ${String(columns)}: plain appended lines, no control sequence, a few a second at most`, () => {
      let now = 7_000_000;
      const { stream, written } = fakeStream(columns);
      const progress = new Progress(stream, () => now);
      progress.start();
      progress.update({ gateway: 'gw', activity: 'nmap sweep of 127.0.0.1', percent: 0 });
      for (let i = 0; i < 5000; i += 1) progress.update({ gateway: 'gw', activity: 'x', openPort: `${i}/tcp` });
      progress.update({ gateway: 'gw', activity: 'nmap Connect Scan', percent: 41, remainingSeconds: 9 });
      const firstSecond = written().split('\n').filter(Boolean);
      expect(firstSecond.length).toBeLessThanOrEqual(4);
      // In the next second, where the gateway has got to since is printed.
      now += 1000;
      progress.update({ gateway: 'gw', activity: 'nmap Connect Scan', percent: 42 });
      progress.stop();
      const lines = written().split('\n').filter(Boolean);
      expect(lines.at(-1)).toMatch(/^\[1s\] gw: nmap Connect Scan 42% · open 0\/tcp 1\/tcp .* \+4992 more$/);
      expect(written()).not.toMatch(CONTROLS);
      expect(written().endsWith('\n')).toBe(true);
    });
  }
});
