import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { holdsRawJavaScriptMessage, InputFileError, type InputProblem } from '../errors.ts';
import { visible } from '../../reports/escape.ts';
import { readSafe, UnsafeFileError, type FileKind } from './safe-read.ts';

export interface ParsedYaml {
  file: string;
  data: unknown;
  document: Document;
  lines: LineCounter;
}

const KIND_OF: ReadonlyMap<string, FileKind> = new Map([
  ['connection file', 'connection-file'],
  ['answers file', 'answers-file'],
  ['waiver file', 'waiver-file'],
  ['profile', 'profile'],
]);

/** Reads and parses a YAML file; every syntax problem comes back with its line. */
export async function readYaml(file: string, what: string): Promise<ParsedYaml> {
  let content: Buffer;
  try {
    content = (await readSafe(file, { kind: KIND_OF.get(what) ?? 'connection-file' })).content;
  } catch (error) {
    const reason = error instanceof UnsafeFileError ? error.reason : 'cannot be read';
    throw new InputFileError(
      file,
      [{ path: '(file)', message: `${reason}; check the ${what} path` }],
      error instanceof UnsafeFileError ? error.hint : undefined,
      { cause: error },
    );
  }
  const notText = notTextReason(content);
  if (notText) {
    throw new InputFileError(
      file,
      [{ path: '(file)', message: `${notText}, not YAML text` }],
      `check that ${file} is the ${what} you meant`,
    );
  }
  return parseYaml(content.toString('utf8'), file, what);
}

/** Why bytes are no text file (a NUL byte, or bytes that are not UTF-8), or undefined for text. */
function notTextReason(content: Buffer): string | undefined {
  const nul = content.indexOf(0);
  if (nul >= 0) return `it holds a NUL byte (at byte ${nul}): it is a binary file`;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return 'it is not UTF-8 text (a binary file, or text in another encoding: save it as UTF-8)';
  }
  return undefined;
}

export function parseYaml(text: string, file: string, what: string): ParsedYaml {
  const lines = new LineCounter();
  // The library's own duplicate-key check compares every pair of keys of a map: a file of many keys would take hours.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const problems: InputProblem[] = document.errors.map((error) => {
    const position = lines.linePos(error.pos[0]);
    const message = error.code === 'RESOURCE_EXHAUSTION' || holdsRawJavaScriptMessage(error.message) ? TOO_DEEP : firstLine(error.message);
    return { path: '(yaml)', line: position.line, message };
  });
  if (problems.length === 0) for (const problem of duplicateKeys(document, lines)) problems.push(problem);
  if (problems.length > 0) throw new InputFileError(file, problems, `fix the YAML syntax of this ${what}`);
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message =
      error instanceof RangeError || holdsRawJavaScriptMessage(String(error)) ? TOO_DEEP : firstLine((error as Error).message);
    throw new InputFileError(file, [{ path: '(yaml)', message }], `fix the YAML syntax of this ${what}`, { cause: error });
  }
  return { file, data, document, lines };
}

const TOO_DEEP = 'the YAML nests too deeply to be read (a list or map inside thousands of others)';

/**
 * A key given twice in one map, found in one pass with a set per map (and without recursion, so no depth
 * overflows it). Keys are compared as JavaScript will hold them: `1` and `"1"` are the same key.
 */
function duplicateKeys(document: Document, lines: LineCounter): InputProblem[] {
  const problems: InputProblem[] = [];
  const pending: unknown[] = [document.contents];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const key = String(pair.key.value);
          if (seen.has(key)) {
            const line = pair.key.range ? lines.linePos(pair.key.range[0]).line : undefined;
            problems.push({ path: '(yaml)', line, message: `Map keys must be unique: ${firstLine(JSON.stringify(key))} is given twice` });
          }
          seen.add(key);
        } else pending.push(pair.key);
        pending.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) pending.push(item);
    } else if (isPair(node)) pending.push(node.key, node.value);
  }
  return problems;
}

/** Validates parsed YAML against a schema: one problem per issue, each with its path and line. */
export function validateYaml<S extends z.ZodType>(parsed: ParsedYaml, schema: S, hint: string): z.output<S> {
  const result = schema.safeParse(parsed.data ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, parsed));
  throw new InputFileError(parsed.file, problems, hint);
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

function describeIssue(issue: z.core.$ZodIssue, parsed: ParsedYaml): InputProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const path = [...issue.path, key];
      return { path: formatPath(path), line: lineOf(parsed, path), message: 'unknown field; remove it or check its spelling' };
    });
  }
  const missing = issue.code === 'invalid_type' && valueAt(parsed.data, issue.path) === undefined;
  return [
    {
      path: formatPath(issue.path),
      line: lineOf(parsed, issue.path),
      message: missing ? `missing: ${issue.message}` : issue.message,
    },
  ];
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** A problem found after schema validation, located like schema problems are. */
export function problemAt(parsed: ParsedYaml, path: readonly PropertyKey[], message: string): InputProblem {
  return { path: formatPath(path), line: lineOf(parsed, path), message };
}

function lineOf(parsed: ParsedYaml, path: readonly PropertyKey[]): number | undefined {
  // Walk up until a node exists (a missing field is reported at its parent's line).
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = parsed.document.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    const keyed = depth > 0 ? keyNodeRange(parsed, path.slice(0, depth)) : undefined;
    const offset = keyed ?? node?.range?.[0];
    if (offset !== undefined) return parsed.lines.linePos(offset).line;
  }
  return undefined;
}

/** The range of the key itself (for `port: 70000` the line of `port`), when the parent is a map. */
function keyNodeRange(parsed: ParsedYaml, path: readonly PropertyKey[]): number | undefined {
  const parent = path.length === 1 ? parsed.document.contents : parsed.document.getIn(path.slice(0, -1) as unknown[], true);
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
    return (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  }
  if (isSeq(parent) && typeof last === 'number') {
    return (parent.items[last] as { range?: [number, number, number] } | undefined)?.range?.[0];
  }
  return undefined;
}

/** A parser's message, bounded and with control characters made visible: it may quote the file's bytes. */
function firstLine(message: string): string {
  const line = visible(message.split('\n')[0] ?? message);
  return line.length > MESSAGE_CHARS ? `${line.slice(0, MESSAGE_CHARS)}…` : line;
}

const MESSAGE_CHARS = 200;
