import type { ConnectionFile } from '../connection/schema.ts';
import { InputFileError, type InputProblem } from '../errors.ts';
import type { Profile } from './load.ts';

/**
 * A profile may need connection fields that are optional in general (Cyber Essentials asks what the
 * assessment covers, so it requires connection.scope). Checked before any packet, with every gap listed.
 */
export function checkProfileRequirements(connection: ConnectionFile, profile: Profile, file: string): void {
  const problems: InputProblem[] = profile.requires
    .filter((field) => connection.connection[field] === undefined)
    .map((field) => ({
      path: `connection.${field}`,
      message: `missing: profile ${profile.id} requires it (${profile.statement.parties[field]})`,
    }));
  if (problems.length > 0)
    throw new InputFileError(file, problems, `add the field(s) to the connection file, or check against another profile`);
}
