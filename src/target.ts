import type { FindingTarget } from './findings.ts';

/**
 * The one type for what a finding, an observation or a waiver is about is FindingTarget; these are its
 * spellings. A port without a transport is a TCP port.
 */
export type TargetPlace = Pick<FindingTarget, 'gateway' | 'port' | 'transport'>;

/**
 * A waiver file's target, `gw`, `gw/443` or `gw/443/udp`: the parts it leaves out match any (a transport
 * left out matches both, unlike a finding's, which is TCP).
 */
export type TargetSpec = TargetPlace;

export function transportOf(target: TargetPlace): 'tcp' | 'udp' {
  return target.transport ?? 'tcp';
}

/** `gw` or `gw/443/tcp`: the target part of a finding's key in report.json (`<id>@<targetKey>`). Never reworded. */
export function targetKey(target: TargetPlace): string {
  return `${target.gateway}${target.port ? `/${target.port}/${transportOf(target)}` : ''}`;
}

/** `gw` or `gw 443/tcp`: a target as people read it, and the subject of a change between two runs. */
export function describeTarget(target: TargetPlace): string {
  return `${target.gateway}${target.port ? ` ${target.port}/${transportOf(target)}` : ''}`;
}

/** `gw (192.0.2.1) 443/tcp [web]`: a finding's whole target, as a report shows it beside the finding. */
export function describeFindingTarget(target: FindingTarget): string {
  const place = target.port ? ` ${target.port}/${transportOf(target)}` : '';
  return `${target.gateway} (${target.host})${place}${target.flow ? ` [${target.flow}]` : ''}`;
}

/** What a waiver file's target may be: a gateway name, optionally with a port and then a transport. */
export const TARGET_SPEC_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*(\/\d{1,5}(\/(tcp|udp))?)?$/;

/** Reads a waiver file's target (already checked against TARGET_SPEC_PATTERN by the waiver schema). */
export function parseTargetSpec(spec: string): TargetSpec {
  const [gateway = '', port, transport] = spec.split('/');
  return {
    gateway,
    ...(port ? { port: Number(port) } : {}),
    ...(transport === 'tcp' || transport === 'udp' ? { transport } : {}),
  };
}

/** Whether a finding's target is one a waiver's target spec names. */
export function matchesTarget(spec: TargetSpec, target: TargetPlace): boolean {
  if (spec.gateway !== target.gateway) return false;
  if (spec.port !== undefined && spec.port !== target.port) return false;
  return spec.transport === undefined || spec.transport === transportOf(target);
}
