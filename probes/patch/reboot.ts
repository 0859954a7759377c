import type { PatchFacts } from '../../src/patch/facts.ts';

/** Kernel release strings compared by their numeric parts (6.1.0-28-amd64 < 6.1.0-30-amd64). */
function compareKernels(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .split(/[^0-9]+/)
      .filter(Boolean)
      .map(Number);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Debian and its derivatives write /var/run/reboot-required; elsewhere its absence says nothing. */
function usesRebootFlag(facts: Pick<PatchFacts, 'os' | 'manager'>): boolean {
  const family = facts.os ? [facts.os.id, ...facts.os.idLike] : [];
  return family.includes('debian') || family.includes('ubuntu') || (!facts.os && facts.manager === 'apt');
}

export type RebootFacts = Pick<PatchFacts, 'os' | 'manager' | 'reboot' | 'runningKernel' | 'installedKernels'>;

/**
 * Whether a reboot is owed. A pass rests on something read: the Debian reboot flag on a Debian-family
 * system, or the running kernel found among the installed ones. Otherwise nothing was tested.
 */
export function rebootVerdict(facts: RebootFacts): { status: 'pass' | 'fail' | 'not_tested'; text: string } {
  const reasons: string[] = [];
  if (facts.reboot?.required)
    reasons.push(`/var/run/reboot-required is set${facts.reboot.packages.length ? ` by ${facts.reboot.packages.join(', ')}` : ''}`);
  const newest = [...facts.installedKernels].sort(compareKernels).pop();
  const kernelCompared = Boolean(facts.runningKernel && newest && facts.installedKernels.includes(facts.runningKernel));
  if (kernelCompared && compareKernels(newest!, facts.runningKernel!) > 0)
    reasons.push(`kernel ${facts.runningKernel} runs while ${newest} is installed`);
  if (reasons.length > 0) return { status: 'fail', text: reasons.join('; ') };

  const flagMeaningful = facts.reboot !== undefined && usesRebootFlag(facts);
  if (kernelCompared) return { status: 'pass', text: `no reboot owed (running kernel ${facts.runningKernel} is the newest installed)` };
  if (flagMeaningful)
    return {
      status: 'pass',
      text: `no reboot owed (/var/run/reboot-required is not set; running kernel ${facts.runningKernel ?? 'unknown'})`,
    };

  const kernelProblem = !facts.runningKernel
    ? 'the running kernel is unknown (uname -r was not read)'
    : facts.installedKernels.length === 0
      ? `the installed kernels could not be read from /boot (running ${facts.runningKernel})`
      : `the running kernel ${facts.runningKernel} is not among the kernels in /boot (${facts.installedKernels.slice(0, 5).join(', ')})`;
  const os = facts.os?.prettyName ?? 'this system';
  const flagProblem =
    facts.reboot === undefined
      ? '/var/run/reboot-required could not be read'
      : `/var/run/reboot-required is a Debian/Ubuntu flag that ${os} does not write, so its absence says nothing`;
  return { status: 'not_tested', text: `${kernelProblem}, and ${flagProblem}` };
}
