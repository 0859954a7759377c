/**
 * Published CVEs of SSH server software, keyed by the version its identification names. The facts (product,
 * first and last affected version, CVE id, CVSS v2 base score) are those of ssh-audit 2.5.0's version database
 * (ssh_audit/versionvulnerabilitydb.py, entries that affect servers; client-only ones are left out); the
 * one-line descriptions are ours. A version is only what the banner says: distributions backport fixes without
 * changing it, so a match is a lead for a person to confirm, not proof.
 */
export type SshProduct = 'OpenSSH' | 'Dropbear' | 'libssh';

export interface KnownVulnerability {
  product: SshProduct;
  /** First and last affected version, both included, as the product writes them (`7.2p2`, `2016.73`). */
  from: string;
  to: string;
  cve: string;
  /** CVSS v2 base score. */
  cvss: number;
  /** Only users already logged on to the host can use it. */
  local?: true;
  description: string;
}

type Row = [from: string, to: string, cve: string, cvss: number, description: string, local?: 'local'];

const OPENSSH: Row[] = [
  ['1.0', '7.7', 'CVE-2018-15473', 5.3, 'tells valid user names from invalid ones by its answers to malformed log-on requests'],
  ['7.2', '7.2p2', 'CVE-2016-6515', 7.8, 'very long passwords make password hashing use the CPU without limit (denial of service)'],
  ['1.2.2', '7.2', 'CVE-2016-3115', 5.5, 'crafted X11 forwarding data escapes forced-command restrictions'],
  ['5.4', '7.1', 'CVE-2016-1907', 5.0, 'crafted traffic makes it read out of bounds and stop (denial of service)'],
  ['6.0', '7.2p2', 'CVE-2015-8325', 7.2, 'crafted environment with UseLogin lets a logged-on user gain privileges', 'local'],
  ['6.8', '6.9', 'CVE-2015-6565', 7.2, 'world-writable terminals let logged-on users disrupt other users', 'local'],
  ['5.0', '6.9', 'CVE-2015-6564', 6.9, 'a use-after-free in PAM privilege separation lets a logged-on user gain privileges', 'local'],
  ['5.0', '6.9', 'CVE-2015-6563', 1.9, 'the privileged monitor trusts user names from the unprivileged child (impersonation)', 'local'],
  ['6.9p1', '6.9p1', 'CVE-2015-5600', 8.5, 'keyboard-interactive log-on allows thousands of password guesses per connection'],
  ['6.0', '6.6', 'CVE-2015-5352', 4.3, 'X11 forwarding can be used after its time limit when ForwardX11Trusted is off'],
  ['5.0', '6.5', 'CVE-2014-2532', 5.8, 'AcceptEnv wildcards let a client pass environment variables it should not'],
  ['1.2', '6.4', 'CVE-2014-1692', 7.5, 'J-PAKE code can corrupt memory on an error (denial of service, possibly more)'],
  ['6.2', '6.3', 'CVE-2013-4548', 6.0, 'AES-GCM memory mishandling lets a logged-on user escape command restrictions'],
  ['1.2', '5.6', 'CVE-2012-0814', 3.5, 'debug messages can reveal forced commands to a logged-on user'],
  ['1.2', '5.8', 'CVE-2011-5000', 3.5, 'a large length field makes the GSSAPI code use much memory (denial of service)'],
  ['1.2', '6.1', 'CVE-2010-5107', 5.0, 'many half-open connections exhaust its log-on slots (denial of service)'],
  ['1.2', '5.8', 'CVE-2010-4755', 4.0, 'crafted glob patterns over SFTP use CPU and memory without limit (denial of service)'],
  ['1.2', '5.6', 'CVE-2010-4478', 7.5, 'J-PAKE accepts crafted values and so skips the shared-secret check (log-on bypass)'],
  ['4.3', '4.8', 'CVE-2009-2904', 6.9, 'ChrootDirectory with hard links to setuid programs lets users gain privileges'],
  ['4.0', '5.1', 'CVE-2008-5161', 2.6, 'CBC mode leaks some plaintext to an attacker on the path'],
  ['1.2', '4.6', 'CVE-2008-4109', 5.0, 'a signal-handler race on log-on time-outs can stop the server (denial of service)'],
  ['1.2', '4.8', 'CVE-2008-1657', 6.5, "a user's session file can override ForceCommand"],
  ['1.2.2', '4.9', 'CVE-2008-1483', 6.9, 'another local process can take over forwarded X11 connections'],
  ['4.0', '4.6', 'CVE-2007-4752', 7.5, 'a failed untrusted-cookie set-up leaves X clients trusted (privilege gain)'],
  ['4.3p2', '4.3p2', 'CVE-2007-3102', 4.3, 'crafted user names write arbitrary text to the audit log'],
  ['1.2', '4.6', 'CVE-2007-2243', 5.0, 'tells valid user names from invalid ones during challenge-response log-on'],
  ['4.4', '4.4', 'CVE-2006-5794', 7.5, 'an unchecked signature in privilege separation can allow log-on without credentials'],
  ['4.1', '4.1p1', 'CVE-2006-5229', 2.6, 'tells valid user names from invalid ones by response time'],
  ['1.2', '4.3p2', 'CVE-2006-5052', 5.0, 'tells valid user names from invalid ones with GSSAPI log-on'],
  ['1.2', '4.3p2', 'CVE-2006-5051', 9.3, 'a signal-handler double free can stop it or run code before log-on'],
  ['4.5', '4.5', 'CVE-2006-4925', 5.0, 'an invalid protocol sequence makes it crash (denial of service)'],
  ['1.2', '4.3p2', 'CVE-2006-4924', 7.8, 'crafted packets with duplicate blocks use CPU without limit (denial of service)'],
  ['3.8.1p1', '3.8.1p1', 'CVE-2006-0883', 5.0, 'repeated connections make it refuse all clients (denial of service)'],
  ['3.0', '4.2p1', 'CVE-2006-0225', 4.6, 'scp runs shell commands hidden in crafted file names'],
  ['2.1', '4.1p1', 'CVE-2005-2798', 5.0, 'GSSAPI credentials can be left delegated after log-on'],
  ['3.5', '3.5p1', 'CVE-2004-2760', 6.8, 'its answers in different connection states leak information'],
  ['2.3', '3.7.1p2', 'CVE-2004-2069', 5.0, 'many unauthenticated connections exhaust its slots (denial of service)'],
  ['3.0', '3.4p1', 'CVE-2004-0175', 4.3, 'scp lets a server write files outside the target directory'],
  ['1.2', '3.9p1', 'CVE-2003-1562', 7.6, 'timing of failed log-ons reveals whether a password was right'],
  ['3.1p1', '3.7.1p1', 'CVE-2003-0787', 7.5, 'its PAM conversation code can be abused to gain privileges'],
  ['3.1p1', '3.7.1p1', 'CVE-2003-0786', 10.0, 'PAM challenge-response can allow log-on without valid credentials'],
  ['1.0', '3.7.1', 'CVE-2003-0695', 7.5, 'buffer management errors can stop it or run code'],
  ['1.0', '3.7', 'CVE-2003-0693', 10.0, 'a buffer management error lets a remote attacker run code'],
  ['3.0', '3.6.1p2', 'CVE-2003-0386', 7.5, 'reverse DNS tricks bypass from= address restrictions'],
  ['3.1p1', '3.6.1p1', 'CVE-2003-0190', 5.0, 'tells valid user names from invalid ones by response time'],
  ['3.2.2', '3.2.2', 'CVE-2002-0765', 7.5, 'some set-ups allow log-on without valid credentials'],
  ['1.2.2', '3.3p1', 'CVE-2002-0640', 10.0, 'an overflow in challenge-response handling lets a remote attacker run code'],
  ['1.2.2', '3.3p1', 'CVE-2002-0639', 10.0, 'an integer overflow in challenge-response lets a remote attacker run code'],
  ['2.1', '3.2', 'CVE-2002-0575', 7.5, 'Kerberos ticket passing overflows a buffer (privilege gain)'],
  ['3.0', '3.0p1', 'CVE-2001-1507', 7.5, 'some set-ups accept a log-on without a valid password'],
  ['1.2.3', '3.0.1p1', 'CVE-2001-0872', 7.2, 'environment variables passed with UseLogin let a user gain privileges', 'local'],
  ['1.2.3', '2.1.1', 'CVE-2001-0361', 4.0, 'weaknesses in protocol 1 let an observer recover plaintext'],
  ['1.2', '2.1', 'CVE-2000-0525', 10.0, 'UseLogin runs commands with the wrong privileges (remote code execution)'],
];

const DROPBEAR: Row[] = [
  ['0.0', '2018.76', 'CVE-2018-15599', 5.0, 'tells valid user names from invalid ones by its answers to public-key log-on'],
  ['0.0', '2017.74', 'CVE-2017-9079', 4.7, 'a logged-on user can read files as root through authorized_keys links', 'local'],
  ['0.0', '2017.74', 'CVE-2017-9078', 9.3, 'a double free on forwarding lets a logged-on user gain root', 'local'],
  ['0.0', '2016.73', 'CVE-2016-7409', 2.1, 'with debugging on, a logged-on user can read process memory', 'local'],
  ['0.0', '2016.73', 'CVE-2016-7408', 6.5, 'crafted input lets a remote attacker run code'],
  ['0.0', '2016.73', 'CVE-2016-7407', 10.0, 'crafted input lets a local user run code', 'local'],
  ['0.0', '2016.73', 'CVE-2016-7406', 10.0, 'a format-string flaw lets a remote attacker run code'],
  ['0.44', '2015.71', 'CVE-2016-3116', 5.5, 'xauth command injection through X11 forwarding escapes command restrictions'],
  ['0.28', '2013.58', 'CVE-2013-4434', 5.0, 'tells valid user names from invalid ones by response time'],
  ['0.28', '2013.58', 'CVE-2013-4421', 5.0, 'a compressed packet that expands greatly uses memory without limit (denial of service)'],
  ['0.52', '2011.54', 'CVE-2012-0920', 7.1, 'a use-after-free with command restrictions lets a user run code or escape them'],
  ['0.40', '0.48.1', 'CVE-2007-1099', 7.5, 'the client does not warn of a changed host key (interception)'],
  ['0.28', '0.47', 'CVE-2006-1206', 7.5, 'many connections exhaust its slots (denial of service)'],
  ['0.39', '0.47', 'CVE-2006-0225', 4.6, 'scp runs shell commands hidden in crafted file names'],
  ['0.28', '0.46', 'CVE-2005-4178', 6.5, 'a buffer overflow lets an attacker run code'],
  ['0.28', '0.42', 'CVE-2004-2486', 7.5, 'its DSS signature checking can be made to run code'],
];

const LIBSSH: Row[] = [
  ['0.6.4', '0.6.4', 'CVE-2018-10933', 6.4, 'a client can claim to have logged on already and skip authentication'],
  ['0.7.0', '0.7.5', 'CVE-2018-10933', 6.4, 'a client can claim to have logged on already and skip authentication'],
  ['0.8.0', '0.8.3', 'CVE-2018-10933', 6.4, 'a client can claim to have logged on already and skip authentication'],
  ['0.1', '0.7.2', 'CVE-2016-0739', 4.3, 'Diffie-Hellman secrets are too short (interception)'],
  ['0.5.1', '0.6.4', 'CVE-2015-3146', 5.0, 'crafted key-exchange packets dereference a null pointer (denial of service)'],
  ['0.5.1', '0.6.3', 'CVE-2014-8132', 5.0, 'a crafted KEXINIT frees memory twice (denial of service)'],
  ['0.4.7', '0.6.2', 'CVE-2014-0017', 1.9, 'forked servers share random state, so connections can share secrets'],
  ['0.4.7', '0.5.3', 'CVE-2013-0176', 4.3, 'a crafted key-exchange packet dereferences a null pointer (denial of service)'],
  ['0.4.7', '0.5.2', 'CVE-2012-6063', 7.5, 'a double free in SFTP can stop it or run code'],
  ['0.4.7', '0.5.2', 'CVE-2012-4562', 7.5, 'wrong overflow checks can stop it or run code'],
  ['0.4.7', '0.5.2', 'CVE-2012-4561', 5.0, 'freeing invalid pointers stops it (denial of service)'],
  ['0.4.7', '0.5.2', 'CVE-2012-4560', 7.5, 'buffer overflows can stop it or run code'],
  ['0.4.7', '0.5.2', 'CVE-2012-4559', 6.8, 'double frees can stop it or run code'],
];

const rows = (product: SshProduct, table: Row[]): KnownVulnerability[] =>
  table.map(([from, to, cve, cvss, description, local]) => ({
    product,
    from,
    to,
    cve,
    cvss,
    description,
    ...(local ? { local: true as const } : {}),
  }));

export const KNOWN_SSH_VULNERABILITIES: readonly KnownVulnerability[] = Object.freeze([
  ...rows('OpenSSH', OPENSSH),
  ...rows('Dropbear', DROPBEAR),
  ...rows('libssh', LIBSSH),
]);

/** The year of the newest CVE in the table: a version released later can have CVEs the table never heard of. */
const NEWEST_YEAR = Math.max(...KNOWN_SSH_VULNERABILITIES.map((v) => Number(/^CVE-(\d{4})-/.exec(v.cve)![1])));

/** Where the table's facts come from, and how far they reach, for the evidence and every message. */
export const KNOWN_VULNERABILITIES_SOURCE = `ssh-audit 2.5.0's version database (CVSS v2 scores; its newest CVE is from ${NEWEST_YEAR})`;
