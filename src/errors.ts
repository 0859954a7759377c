/** Exit codes, documented in the README and in `cocoscan --help`. */
export const ExitCode = {
  /** Every automated row is Yes or N/A. */
  Compliant: 0,
  /** At least one automated row is No or Partial (not waived). */
  NotCompliant: 1,
  /** Bad input, a missing tool or a usage error: nothing was probed. */
  BadInput: 2,
  /** A bug in cocoscan itself. */
  Internal: 3,
  /** No automated row is No or Partial, but at least one is Not assessed: a gateway could not be reached or a check could not run. */
  NotAssessed: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** From least to most serious: "could not assess" is worse than compliant and milder than non-compliant. */
const EXIT_SEVERITY: readonly number[] = [
  ExitCode.Compliant,
  ExitCode.NotAssessed,
  ExitCode.NotCompliant,
  ExitCode.BadInput,
  ExitCode.Internal,
];

/** The most serious of several runs' exit codes (several connection files checked at once). */
export function worstExitCode(codes: number[]): number {
  const rank = (code: number) => (EXIT_SEVERITY.includes(code) ? EXIT_SEVERITY.indexOf(code) : EXIT_SEVERITY.length);
  return codes.reduce((worst, code) => (rank(code) > rank(worst) ? code : worst), ExitCode.Compliant);
}

/** Base class: every error cocoscan raises on purpose carries an exit code and a hint for what to do next. */
export class CocoscanError extends Error {
  readonly exitCode: ExitCode = ExitCode.BadInput;
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in an input file, located by a path such as `flows[1].port`. */
export interface InputProblem {
  path: string;
  message: string;
  line?: number;
}

/** A connection file, profile or other input that cannot be used as it is. */
export class InputFileError extends CocoscanError {
  constructor(
    readonly file: string,
    readonly problems: InputProblem[],
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, hint, options);
  }
}

export class ProfileNotFoundError extends CocoscanError {}
export class ToolMissingError extends CocoscanError {}
export class UsageError extends CocoscanError {}
export class OutputError extends CocoscanError {}
/** A gateway's host name resolves to several addresses: probing it would mix them, so nothing is probed. */
export class AmbiguousHostError extends CocoscanError {}

/** A programming error inside cocoscan (a probe emitting a finding id it never declared, say). */
export class InternalError extends CocoscanError {
  override readonly exitCode = ExitCode.Internal;
}

/**
 * What Node's system errors mean to someone running cocoscan, and what to do about them. `{where}` is the
 * address, host name or path the error names, when it names one.
 */
const SYSTEM_ERRORS = new Map<string, string>([
  [
    'ECONNREFUSED',
    'the connection to {where} was refused: nothing listens there or a firewall rejects it; check the host, the port and that the service runs',
  ],
  [
    'ECONNRESET',
    'the connection to {where} was reset (by the gateway or a device on the way); re-run, ' +
      'and check the gateway or an intrusion-prevention system that may be dropping the scanner',
  ],
  ['ECONNABORTED', 'the connection to {where} was aborted; re-run, and check the network between this scanner and the gateway'],
  [
    'ETIMEDOUT',
    'no answer from {where} in time; check that it can be reached from this scanner (routing, firewall, VPN) or raise the timeout',
  ],
  ['EHOSTUNREACH', 'there is no route to {where} from this scanner; check its routing and VPN'],
  ['EHOSTDOWN', '{where} is down or does not answer on the local network; check that it is on and connected'],
  ['ENETUNREACH', 'the network of {where} cannot be reached from this scanner; check its routing and VPN'],
  ['ENETDOWN', "the scanner's network is down; check its network connection"],
  ['EADDRNOTAVAIL', 'the local address needed to reach {where} is not available on this scanner; check its network configuration'],
  ['EADDRINUSE', 'the local address {where} is already in use; stop whatever holds it, or re-run'],
  ['ENOTFOUND', "the name {where} does not resolve; check the host name and this scanner's DNS"],
  ['EAI_AGAIN', "the name {where} could not be looked up just now (DNS did not answer); re-run, or check this scanner's DNS"],
  ['EACCES', 'permission denied on {where}; give cocoscan the rights it needs (a readable file, or root for raw-socket scans)'],
  ['EPERM', 'the operation on {where} is not permitted; raw-socket scans need root (sudo) or the right capabilities'],
  ['ENOENT', '{where} does not exist; check the path, or that the tool is installed'],
  ['ENOTDIR', 'part of the path {where} is not a folder; check the path'],
  ['EISDIR', '{where} is a folder where a file was expected; give the path of the file'],
  ['ELOOP', 'the path {where} loops through symbolic links; give the real path'],
  ['ENAMETOOLONG', 'the path {where} is too long; use a shorter path'],
  ['EPIPE', 'the other end closed the connection to {where} while cocoscan was still sending; re-run, and check the gateway if it repeats'],
  ['EMFILE', 'this process has too many files and connections open; lower scan.connectionsPerHost or raise the limit (ulimit -n)'],
  ['ENFILE', 'the system has too many files open; close other programs or raise the system limit'],
  ['ENOSPC', 'no space is left on the device holding {where}; free some space, or choose another folder'],
  ['EROFS', '{where} is on a read-only file system; choose another folder'],
  ['ENOBUFS', 'the system ran out of network buffers; re-run with fewer connections at once (scan.connectionsPerHost)'],
  ['ENOMEM', 'the system ran out of memory; re-run with fewer gateways at once, or on a machine with more memory'],
  ['EBUSY', '{where} is busy; re-run when whatever uses it has finished'],
  ['ERR_SOCKET_CLOSED', 'the connection to {where} was closed before cocoscan had finished with it; re-run'],
  [
    'ERR_STREAM_PREMATURE_CLOSE',
    'the connection to {where} closed before the answer was complete; re-run, and check the gateway if it repeats',
  ],
]);

/** Built-in JavaScript errors: from cocoscan's own code or a library, never a message meant for a user. */
const JAVASCRIPT_ERRORS = new Set([
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'InternalError',
]);

/**
 * Phrases of the JavaScript engine's own messages. Text that holds one is an internal fault, shown to
 * the user as such; the raw message belongs in the evidence.
 */
// Regular-expression fragments of messages the JavaScript engine and Node write themselves.
const ENGINE_PHRASES = [
  'Converting circular structure',
  'Invalid code point',
  'Invalid count value',
  'Cannot mix BigInt',
  'Do not know how to serialize a BigInt',
  'Invalid string length',
  'Invalid array length',
  'Invalid typed array length',
  'Invalid time value',
  'Invalid Date',
  'Cannot read propert(?:y|ies) of',
  'Cannot set propert(?:y|ies) of',
  'Cannot destructure',
  'Cannot convert ',
  "Cannot access '[^']*' before initialization",
  'Cannot create property',
  'Unexpected token',
  'Unexpected end of (?:JSON )?input',
  'Unexpected non-whitespace character',
  'is not valid JSON',
  'Maximum call stack size exceeded',
  'is not a function',
  'is not a constructor',
  'is not iterable',
  '(?:undefined|null) is not an? ',
  'Reduce of empty array',
  'Assignment to constant',
  'Invalid regular expression',
  'Array buffer allocation failed',
  'JavaScript heap out of memory',
  'Offset is outside the bounds',
  'out of range of buffer',
  'Attempt to access memory outside buffer bounds',
  'The value of "[^"]*" is out of range',
  'The "[^"]*" argument must be',
];
// Either an engine error's name with a colon (whatever follows), or one of the engine's own phrases.
const RAW_JAVASCRIPT = new RegExp(
  String.raw`(?:Type|Range|Syntax|Reference|Eval|URI)Error(?: \[[A-Z_]+\])?:[\s\S]*$|` +
    `(?:${ENGINE_PHRASES.join('|')})` +
    String.raw`[\s\S]*$`,
);

/** The sentence shown for a fault inside cocoscan (or a library it uses), with what to do. */
export const INTERNAL_FAULT =
  'an internal fault stopped it; the details are in the evidence; re-run, and report it to the cocoscan maintainers if it repeats';

/** True when `text` holds a message written by the JavaScript engine rather than for a user. */
export function holdsRawJavaScriptMessage(text: string): boolean {
  return RAW_JAVASCRIPT.test(text);
}

/**
 * Replaces a raw JavaScript message inside `text` (from where it starts to the end) with the internal-fault
 * sentence. Returns the text unchanged when it holds none.
 */
export function withoutRawJavaScript(text: string): string {
  return text.replace(RAW_JAVASCRIPT, INTERNAL_FAULT);
}

interface SystemErrorLike {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  path?: unknown;
  dest?: unknown;
}

function systemErrorWhere(error: SystemErrorLike): string {
  if (typeof error.hostname === 'string') return error.hostname;
  if (typeof error.address === 'string') return typeof error.port === 'number' ? `${error.address} port ${error.port}` : error.address;
  if (typeof error.path === 'string') return error.path;
  return typeof error.code === 'string' && LOCAL_CODES.has(error.code) ? 'a file or socket' : 'the gateway';
}

/** Codes about something on this machine (a file, a socket), not about the far end of a connection. */
const LOCAL_CODES = new Set([
  'EACCES',
  'EPERM',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'ELOOP',
  'ENAMETOOLONG',
  'ENOSPC',
  'EROFS',
  'EBUSY',
  'EADDRINUSE',
]);

/** A plain sentence for a system error code Node reports, or undefined for a code not in the table. */
export function describeSystemError(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const systemError = error as SystemErrorLike;
  const code = systemError.code;
  if (typeof code !== 'string') return undefined;
  const template = SYSTEM_ERRORS.get(code);
  if (!template) return undefined;
  return `${template.replace('{where}', systemErrorWhere(systemError))} (${code})`;
}

/**
 * Node's system error messages as they appear inside text a probe wrote ("ECONNREFUSED: connect
 * ECONNREFUSED 127.0.0.1:22", "getaddrinfo ENOTFOUND gw.example", "ENOENT: no such file or directory,
 * open '/x'"), for codes the table knows.
 */
const NETWORK_MESSAGE =
  /(?:\b(E[A-Z_]{3,}): )?\b(?:connect|read|write|getaddrinfo|getnameinfo|socket|bind|listen|send|recv|spawn \S+) (E[A-Z_]{3,})(?: ([^\s,;)]+))?/g;
const FILE_MESSAGE = /\b(E[A-Z_]{3,}): [a-z][^,;]*, [a-z]+ '([^']*)'(?: -> '[^']*')?/g;

/**
 * Replaces Node's system error messages inside `text` with the plain sentences of the table; `raw` lists
 * what was replaced, for the evidence.
 */
export function withPlainSystemErrors(text: string): { text: string; raw: string[] } {
  const raw: string[] = [];
  const plain = (whole: string, code: string, where: SystemErrorLike): string => {
    const sentence = describeSystemError({ code, ...where });
    if (!sentence) return whole;
    raw.push(whole);
    return sentence;
  };
  const replaced = text
    .replace(NETWORK_MESSAGE, (whole, _prefix: string | undefined, code: string, target: string | undefined) => {
      if (target === undefined) return plain(whole, code, {});
      const hostPort = /^(.*):(\d{1,5})$/.exec(target);
      if (hostPort) return plain(whole, code, { address: hostPort[1], port: Number(hostPort[2]) });
      return plain(whole, code, { hostname: target });
    })
    .replace(FILE_MESSAGE, (whole, code: string, path: string) => plain(whole, code, { path }));
  return { text: replaced, raw };
}

/** True for an error that no user input explains: a JavaScript engine error, or a thrown non-error. */
export function isInternalFault(error: unknown): boolean {
  if (error instanceof CocoscanError) return error instanceof InternalError;
  if (describeSystemError(error) !== undefined) return false;
  if (!(error instanceof Error)) return true;
  return JAVASCRIPT_ERRORS.has(error.name) || holdsRawJavaScriptMessage(error.message);
}

/**
 * What went wrong, in words a user can act on. cocoscan's own errors give their message and hint; system
 * errors are translated; a fault inside cocoscan says so and points at the evidence, never quoting the
 * engine's message (use `faultDetail` for that).
 */
export function describeCause(error: unknown): string {
  if (error instanceof CocoscanError) return error.hint ? `${error.message}; ${error.hint}` : error.message;
  const system = describeSystemError(error);
  if (system) return system;
  if (error instanceof Error && error.name === 'AbortError') return 'the run was interrupted before this finished';
  if (isInternalFault(error)) return INTERNAL_FAULT;
  const message = (error as Error).message;
  return message.trim() === '' ? INTERNAL_FAULT : withoutRawJavaScript(message);
}

/**
 * Why a whole probe stopped, for the `reason` of its error findings: what could not be done and what to
 * do. The raw error belongs in the evidence (`faultDetail`).
 */
export function describeProbeFailure(probeId: string, error: unknown): string {
  if (isInternalFault(error)) {
    return (
      `the ${probeId} probe stopped on an internal fault; the details are in the ` +
      `evidence; re-run, and report it to the cocoscan maintainers if it repeats`
    );
  }
  const known =
    error instanceof CocoscanError || describeSystemError(error) !== undefined || (error instanceof Error && error.name === 'AbortError');
  const cause = describeCause(error);
  return known
    ? `the ${probeId} probe failed: ${cause}`
    : `the ${probeId} probe failed: ${cause}; re-run, and if it repeats, check the gateway and the details in the evidence`;
}

/** The raw detail of an error, for the evidence only: its class, code, message and first stack frames. */
export function faultDetail(error: unknown, maxFrames = 6): string {
  if (!(error instanceof Error)) return `thrown value: ${safeString(error)}`;
  const code = typeof (error as SystemErrorLike).code === 'string' ? ` [${(error as SystemErrorLike).code as string}]` : '';
  const frames = (error.stack ?? '')
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, maxFrames);
  const cause =
    error.cause !== undefined
      ? [`caused by: ${error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : safeString(error.cause)}`]
      : [];
  return [`${error.name}${code}: ${error.message}`, ...frames.map((f) => f.trim()), ...cause].join('\n');
}

function safeString(value: unknown): string {
  try {
    return String(value).slice(0, 2000);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
