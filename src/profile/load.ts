import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { readSafeText, UnsafeFileError } from '../input/safe-read.ts';
import { join, resolve } from 'node:path';
import { packagePath } from '../package-root.ts';
import { InputFileError, ProfileNotFoundError, type InputProblem } from '../errors.ts';
import { formatPath, parseYaml } from '../input/yaml-input.ts';
import type { AnyProbe } from '../probe/contract.ts';
import { PROBES, findingCatalogue } from '../probe/registry.ts';
import { checkConcerns } from './concerns.ts';
import { profileSchema, type ProfileFile } from './schema.ts';
import type { RequirableConnectionField, StatementText } from './statement.ts';
import { validateYaml } from '../input/yaml-input.ts';

export const BUILTIN_PROFILE_DIR = packagePath('profiles');
export const DEFAULT_PROFILE = 'moj-coco';

export interface RowRule {
  finding: string;
  onFail: 'No' | 'Partial' | 'Note';
  required: boolean;
  /** A fail of this finding does not decide the row when this other finding of the row passes for the same gateway. */
  unlessPasses?: string;
}

export interface ProfileRow {
  ref: string;
  section: string;
  title: string;
  heading: boolean;
  method?: 'automated' | 'manual';
  rules: RowRule[];
  guidance?: string;
  attest?: string;
  /** On a manual row: findings cited as supporting evidence, which never answer the row. */
  supportedBy?: string[];
}

export interface Profile {
  id: string;
  version: string;
  title: string;
  description?: string;
  source?: string;
  file: string;
  sha256: string;
  sections: { id: string; title: string }[];
  /** The statement's own words (title, party labels, headings, columns), generic defaults filled in. */
  statement: StatementText;
  /** Optional connection fields this profile needs. */
  requires: RequirableConnectionField[];
  rows: ProfileRow[];
  /** Thresholds per probe id, defaults filled in. */
  thresholds: Record<string, unknown>;
  /** Probes whose findings the profile uses; only these run. */
  probes: AnyProbe[];
}

export async function builtinProfiles(): Promise<string[]> {
  const files = await readdir(BUILTIN_PROFILE_DIR).catch(() => [] as string[]);
  return files
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** Resolves `--profile NAME|PATH` and loads it; every problem is reported before any probing. */
export async function loadProfile(nameOrPath: string = DEFAULT_PROFILE, probes: readonly AnyProbe[] = PROBES): Promise<Profile> {
  const looksLikePath = nameOrPath.includes('/') || /\.ya?ml$/i.test(nameOrPath);
  const file = looksLikePath ? resolve(nameOrPath) : join(BUILTIN_PROFILE_DIR, `${nameOrPath}.yaml`);
  let text: string;
  try {
    text = await readSafeText(file, { kind: 'profile', key: '--profile' });
  } catch (error) {
    const builtins = (await builtinProfiles()).join(', ') || 'none found';
    throw new ProfileNotFoundError(
      looksLikePath
        ? `profile file ${nameOrPath} ${error instanceof UnsafeFileError ? error.reason : 'cannot be read'}`
        : `unknown profile "${nameOrPath}"`,
      `built-in profiles: ${builtins}; or give the path of a profile YAML file`,
      { cause: error },
    );
  }
  return parseProfile(text, file, probes);
}

export function parseProfile(text: string, file: string, probes: readonly AnyProbe[] = PROBES): Profile {
  const parsed = parseYaml(text, file, 'profile');
  const raw = validateYaml(parsed, profileSchema, 'fix the profile and run again');
  const problems: InputProblem[] = [];
  const catalogue = findingCatalogue(probes);
  const rows = flattenRows(raw, problems);
  const used = new Set<AnyProbe>();

  rows.forEach((row) => {
    [...row.rules.map((rule) => rule.finding), ...(row.supportedBy ?? [])].forEach((finding) => {
      const entry = catalogue.get(finding);
      if (!entry) {
        problems.push({
          path: `row ${row.ref}`,
          message: `unknown finding id "${finding}" (known: ${[...catalogue.keys()].join(', ')})`,
        });
      } else {
        used.add(entry.probe);
      }
    });
  });

  problems.push(...checkConcerns(raw, rows, (id) => catalogue.has(id)));

  // Keys are read from the parsed YAML itself: schema validation drops a `__proto__` key without a word.
  const thresholds = Object.create(null) as Record<string, unknown>;
  for (const key of thresholdKeys(parsed.data)) {
    if (!probes.some((p) => p.meta.id === key)) problems.push({ path: `thresholds.${key}`, message: `no probe is called "${key}"` });
  }
  // The profile is the one place a threshold is set: a probe it uses has no value of its own to fall back on.
  // A probe it does not use is not run, so its thresholds may be left out, but what is given must be valid.
  for (const probe of probes) {
    const given: unknown = Object.hasOwn(raw.thresholds, probe.meta.id) ? raw.thresholds[probe.meta.id] : undefined;
    if (given === undefined && !used.has(probe)) continue;
    const result = probe.meta.thresholds.safeParse(given ?? {});
    if (result.success) {
      thresholds[probe.meta.id] = result.data;
      continue;
    }
    for (const issue of result.error.issues) {
      const missing = issue.code === 'invalid_type' && valueAt(given, issue.path) === undefined;
      if (missing && !used.has(probe)) continue;
      const path = formatPath(['thresholds', probe.meta.id, ...issue.path]);
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown threshold(s): ${issue.keys.join(', ')}`
          : missing
            ? `missing: the profile sets every threshold of the probes its rows use (${probe.meta.id} has no value of its own)`
            : issue.message;
      problems.push({ path, message });
    }
  }
  if (problems.length > 0) throw new InputFileError(file, problems, 'fix the profile and run again; nothing was probed');

  return {
    id: raw.id,
    version: raw.version,
    title: raw.title,
    description: raw.description,
    source: raw.source,
    file,
    sha256: createHash('sha256').update(text).digest('hex'),
    sections: raw.sections.map((s) => ({ id: s.id, title: s.title })),
    statement: raw.statement,
    requires: [...new Set(raw.requires)],
    rows,
    thresholds,
    probes: probes.filter((p) => used.has(p)),
  };
}

function thresholdKeys(data: unknown): string[] {
  const thresholds = (data as { thresholds?: unknown } | null)?.thresholds;
  return typeof thresholds === 'object' && thresholds !== null ? Object.keys(thresholds) : [];
}

function flattenRows(raw: ProfileFile, problems: InputProblem[]): ProfileRow[] {
  const seen = new Map<string, string>();
  const rows: ProfileRow[] = [];
  raw.sections.forEach((section, s) => {
    section.rows.forEach((row, r) => {
      const where = `sections[${s}].rows[${r}]`;
      const first = seen.get(row.ref);
      if (first) problems.push({ path: where, message: `duplicate row ref "${row.ref}" (first at ${first})` });
      else seen.set(row.ref, where);
      const rules = (row.decidedBy ?? []).map((rule) =>
        typeof rule === 'string' ? { finding: rule, onFail: 'No' as const, required: true } : rule,
      );
      const ids = rules.map((rule) => rule.finding);
      const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
      if (repeated) problems.push({ path: `${where}.decidedBy`, message: `finding "${repeated}" is listed twice` });
      rules.forEach((rule, i) => {
        if (rule.unlessPasses === undefined || (rule.unlessPasses !== rule.finding && ids.includes(rule.unlessPasses))) return;
        problems.push({
          path: `${where}.decidedBy[${i}].unlessPasses`,
          message: `"${rule.unlessPasses}" must be another finding listed in the same row's decidedBy`,
        });
      });
      rows.push({
        ref: row.ref,
        section: section.id,
        title: row.title,
        heading: row.heading,
        method: row.method,
        rules,
        guidance: row.guidance,
        attest: row.attest,
        ...(row.supportedBy ? { supportedBy: [...new Set(row.supportedBy)] } : {}),
      });
    });
  });
  return rows;
}

/** The value at a path of a parsed YAML value, undefined when any step is missing. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
