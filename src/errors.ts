/** Exit codes, documented in the README and in `cocoscan --help`. */
export const ExitCode = {
  /** Every automated row is Yes or N/A. */
  Compliant: 0,
  /** At least one automated row is No, Partial or Not assessed. */
  NotCompliant: 1,
  /** Bad input, a missing tool or a usage error: nothing was probed. */
  BadInput: 2,
  /** A bug in cocoscan itself. */
  Internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

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

/** A programming error inside cocoscan (a probe emitting a finding id it never declared, say). */
export class InternalError extends CocoscanError {
  override readonly exitCode = ExitCode.Internal;
}

export function describeCause(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
