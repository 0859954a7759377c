import type { Command } from 'commander';
import { REPORT_FORMATS } from '../output/report-paths.ts';
import { DEFAULT_PROFILE } from '../profile/load.ts';

/**
 * The options of one check run that `check` and `watch` share, defined once: what is probed (ports, timing,
 * nmap), what it is judged against (profile, waivers, answers, baseline), and what is written (report folder,
 * --report files, signature, history folder).
 */
export function addRunOptions(command: Command): Command {
  return command
    .option('-o, --out <dir>', 'report folder (default: cocoscan-<name>-<time>); with several files, one folder per connection inside it')
    .option('-p, --profile <name|path>', `profile name or YAML file`, DEFAULT_PROFILE)
    .option('--ports <list>', 'TCP ports to sweep, overriding scan.tcpPorts (e.g. 1-1024,8443)')
    .option('--udp-ports <list>', 'extra UDP ports to sweep besides the declared ones')
    .option('--udp-top-ports <0-100>', "how many of nmap's most common UDP services to sweep, overriding scan.udpTopPorts (default 100)")
    .option('--timing <0-5>', 'nmap timing template, overriding scan.timing')
    .option('--max-rate <pps>', 'packets per second the port discovery sends in total, overriding scan.rate (default from scan.pace)')
    .option('--concurrency <n>', 'gateways swept in parallel by one nmap run (default 32, scan.gatewaysAtOnce)')
    .option('--no-service-detection', 'skip nmap -sV (protocol checks become not tested)')
    .option('--unprivileged', 'use a TCP connect scan even as root (no UDP)')
    .option('--nmap <path>', 'nmap binary to run', 'nmap')
    .option('--masscan <path>', 'masscan binary to run when scan.engine is masscan', 'masscan')
    .option('--history <dir>', 'history folder (default: $COCOSCAN_HISTORY or the per-user data folder)')
    .option('--baseline <run>', 'compare with this approved run (a report folder or a history id) instead of the previous one')
    .option('--waivers <file>', 'YAML file of waivers (accepted risks with an expiry date)')
    .option('--answers <file>', "YAML file of the organisation's answers to the manual rows (cocoscan answers template)")
    .option('--sign <key>', 'sign the evidence manifest with this Ed25519 private key (cocoscan keygen)')
    .option(
      '--report <format=path>',
      `also write one format to a file of its own (repeatable); formats: ${REPORT_FORMATS.join(', ')}`,
      (value: string, previous: string[] = []) => [...previous, value],
    );
}
