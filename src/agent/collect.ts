import { hostname } from 'node:os';
import type { Exec } from '../exec.ts';
import { classifyOutcome, commandBody, HOST_COMMANDS, type CommandOutcome } from '../host/commands.ts';
import { TOOL_VERSION } from '../version.ts';
import type { AgentReport } from './report.ts';

/**
 * Runs the same read-only commands as the SSH collection, on this host, and returns them as an agent report:
 * anti-virus facts, the host firewall, patch facts. Nothing is judged here; the checker judges.
 */
export async function collectAgentReport(exec: Exec, now: () => Date): Promise<AgentReport> {
  const commands: Record<string, CommandOutcome> = {};
  for (const command of HOST_COMMANDS) {
    const line = commandBody(command);
    const result = await exec('sh', ['-c', line], { timeoutMs: 60_000, maxOutputBytes: 16 * 1024 * 1024 });
    const status =
      result.failure === 'timeout'
        ? 'timeout'
        : result.failure === 'output-limit'
          ? 'truncated'
          : result.failure
            ? 'failed'
            : classifyOutcome(result.exitCode, result.stderr);
    commands[command.name] = {
      name: command.name,
      command: line,
      status,
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr.slice(0, 4000),
    };
  }
  const collectedAt = now();
  return {
    format: 'cocoscan-agent-report',
    version: 1,
    agentVersion: TOOL_VERSION,
    host: hostname(),
    collectedAt: collectedAt.toISOString(),
    utcOffsetMinutes: -collectedAt.getTimezoneOffset(),
    commands,
  };
}
