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
  /** `unknown`: no problem seen, but sshd did not print a setting the verdict needs. */
  status: 'pass' | 'fail' | 'unknown';
  problems: string[];
  /** Settings the verdict needs that sshd did not print. */
  missing: string[];
  /** The settings judged, as "keyword value" ("?" when sshd did not print it). */
  shown: string;
}

/** Password, keyboard-interactive through PAM, empty-password and root-password log-on are each a problem. */
export function judgeSshdConfig(settings: ReadonlyMap<string, string>): SshdConfigJudgement {
  // OpenSSH before 8.7 prints the keyboard-interactive switch under its older name.
  const kbd = settings.get('kbdinteractiveauthentication') ?? settings.get('challengeresponseauthentication');
  const is = (keyword: string, value: string) => settings.get(keyword) === value;
  const problems = [
    is('passwordauthentication', 'yes') ? 'password log-on (PasswordAuthentication yes)' : undefined,
    kbd === 'yes' && is('usepam', 'yes') ? 'keyboard-interactive log-on through PAM' : undefined,
    is('permitemptypasswords', 'yes') ? 'empty passwords (PermitEmptyPasswords yes)' : undefined,
    is('permitrootlogin', 'yes') ? 'root log-in with a password (PermitRootLogin yes)' : undefined,
  ].filter((p): p is string => p !== undefined);
  const shown = SHOWN.map((k) => `${k} ${(k === 'kbdinteractiveauthentication' ? kbd : settings.get(k)) ?? '?'}`).join(', ');
  // Keyboard-interactive only matters through PAM, so it is needed only when PAM is not known to be off.
  const needed = [
    'passwordauthentication',
    'permitemptypasswords',
    'permitrootlogin',
    'usepam',
    ...(is('usepam', 'no') ? [] : ['kbdinteractiveauthentication']),
  ];
  const missing = needed.filter((k) => (k === 'kbdinteractiveauthentication' ? kbd : settings.get(k)) === undefined);
  const status = problems.length > 0 ? 'fail' : missing.length > 0 ? 'unknown' : 'pass';
  return { status, problems, missing, shown };
}

/** Direct root log-in: only `no` and `forced-commands-only` pass; a value sshd did not print is `unknown`, never a verdict. */
export function judgeRootLogin(settings: ReadonlyMap<string, string>): { status: 'pass' | 'fail' | 'unknown'; value: string } {
  const value = settings.get('permitrootlogin');
  if (value === undefined) return { status: 'unknown', value: 'unknown' };
  return { status: value === 'no' || value === 'forced-commands-only' ? 'pass' : 'fail', value };
}
