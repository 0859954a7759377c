/** nginx as the lab runs it: in the foreground, one worker, its pid, log and temp files in the lab's folder. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes dir/nginx.conf with these `server { … }` blocks; returns nginx's arguments (give them to spawnInNamespace). */
export async function writeNginxConfig(dir: string, servers: string[]): Promise<string[]> {
  const conf = join(dir, 'nginx.conf');
  const errorLog = join(dir, 'nginx-error.log');
  await writeFile(
    conf,
    `worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog};
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir};
  ${servers.join('\n  ')}
}
`,
  );
  return ['-e', errorLog, '-p', dir, '-c', conf];
}
