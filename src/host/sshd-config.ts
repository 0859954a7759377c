/** Judging the effective sshd settings printed by `sshd -T` (one "keyword value…" per line, keywords in lower case). */

/** Keyword → value; a Map, so no keyword a file holds can be mistaken for an inherited property. */
export function readSshdSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [keyword, ...value] = line.trim().split(/\s+/);
    if (keyword && value.length > 0) settings.set(keyword.toLowerCase(), value.join(' '));
  }
  return settings;
}

const SHOWN = ['passwordauthentication', 'kbdinteractiveauthentication', 'permitrootlogin', 'permitemptypasswords', 'usepam'];

export interface SshdConfigJudgement {
  status: 'pass' | 'fail';
  problems: string[];
  /** The settings judged, as "keyword value" ("?" when sshd did not print it). */
  shown: string;
}

/** Password, keyboard-interactive through PAM, empty-password and root-password log-on are each a problem. */
export function judgeSshdConfig(settings: ReadonlyMap<string, string>): SshdConfigJudgement {
  const is = (keyword: string, value: string) => settings.get(keyword) === value;
  const problems = [
    is('passwordauthentication', 'yes') ? 'password log-on (PasswordAuthentication yes)' : undefined,
    is('kbdinteractiveauthentication', 'yes') && is('usepam', 'yes') ? 'keyboard-interactive log-on through PAM' : undefined,
    is('permitemptypasswords', 'yes') ? 'empty passwords (PermitEmptyPasswords yes)' : undefined,
    is('permitrootlogin', 'yes') ? 'root log-in with a password (PermitRootLogin yes)' : undefined,
  ].filter((p): p is string => p !== undefined);
  const shown = SHOWN.map((k) => `${k} ${settings.get(k) ?? '?'}`).join(', ');
  return { status: problems.length > 0 ? 'fail' : 'pass', problems, shown };
}

/** Direct root log-in: only `no` and `forced-commands-only` pass; an unprinted value is `unknown` and fails. */
export function judgeRootLogin(settings: ReadonlyMap<string, string>): { status: 'pass' | 'fail'; value: string } {
  const value = settings.get('permitrootlogin') ?? 'unknown';
  return { status: value === 'no' || value === 'forced-commands-only' ? 'pass' : 'fail', value };
}
