/**
 * strongSwan's charon as a lab IKE responder: its own strongswan.conf (STRONGSWAN_CONF), its own vici socket and log
 * in the lab's folder, and a private /var/run (charon's pid file is fixed there, and two labs may run at once).
 * Only the plugins it needs; kernel-netlink works inside the namespace, where root has CAP_NET_ADMIN.
 *
 * modern: IKEv2 only, AES-GCM-256 with PRF SHA-384/SHA-256 and groups ECP-384, ECP-256, MODP-2048.
 * legacy: IKEv1 and IKEv2, 3DES with SHA-1 and MODP-1024, aggressive mode with a pre-shared key allowed.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitForListeners } from './processes.ts';

const run = promisify(execFile);

export type LabIke = 'modern' | 'legacy';
export const LAB_IKE_ID = 'vpn.lab.invalid';
export const CHARON = '/usr/lib/ipsec/charon';

const PLUGINS = 'random nonce aes sha1 sha2 md5 hmac gmp openssl pem pkcs1 x509 kdf gcm kernel-netlink socket-default vici';

function strongswanConf(dir: string, flavour: LabIke): string {
  return `charon {
  load_modular = no
  load = ${PLUGINS}
  port = 500
  port_nat_t = 4500
  install_routes = no
  install_virtual_ip = no
  # A lab is asked by several checks and by ike-scan from one address within strongSwan's half-open timeout (30 s):
  # no cookies and no silent drops, so every answer is the configuration's own.
  block_threshold = 1000
  cookie_threshold = 1000
  cookie_threshold_ip = 1000
  ${flavour === 'legacy' ? 'i_dont_care_about_security_and_use_aggressive_mode_psk = yes' : ''}
  plugins {
    vici {
      socket = unix://${join(dir, 'charon.vici')}
    }
  }
  filelog {
    lab {
      path = ${join(dir, 'charon.log')}
      default = 1
      ike = 2
    }
  }
}
`;
}

const CONNECTIONS: Record<LabIke, string> = {
  modern: `version = 2
    proposals = aes256gcm16-prfsha384-prfsha256-ecp384-ecp256-modp2048`,
  legacy: `version = 0
    aggressive = yes
    proposals = 3des-sha1-modp1024`,
};

function swanctlConf(flavour: LabIke): string {
  return `connections {
  lab {
    ${CONNECTIONS[flavour]}
    local_addrs = %any
    remote_addrs = %any
    local {
      auth = psk
      id = ${LAB_IKE_ID}
    }
    remote {
      auth = psk
    }
    children {
      net {
        esp_proposals = ${flavour === 'modern' ? 'aes256gcm16' : '3des-sha1'}
        local_ts = 10.0.0.0/24
      }
    }
  }
}
secrets {
  ike-lab {
    secret = "lab-${flavour}-pre-shared-key"
  }
}
`;
}

async function waitForFile(path: string, what: string, failures: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (failures.length > 0) throw new Error(`${what} failed to start: ${failures.join('; ')}`);
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
    if (Date.now() > deadline) throw new Error(`${what} did not create ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts charon in the namespace with the flavour's connection loaded; resolves once it listens on UDP 500 and 4500. */
export async function startStrongswan(
  spawnInNs: (cmd: string, args: string[]) => ChildProcess,
  namespace: string,
  labDir: string,
  flavour: LabIke,
): Promise<void> {
  const dir = join(labDir, 'strongswan');
  await mkdir(join(dir, 'swanctl'), { recursive: true });
  await writeFile(join(dir, 'strongswan.conf'), strongswanConf(dir, flavour));
  await writeFile(join(dir, 'swanctl', 'swanctl.conf'), swanctlConf(flavour));
  const failures: string[] = [];
  const script = `mount --make-rprivate / && mount -t tmpfs cocoscan-lab-run /var/run && exec ${CHARON}`;
  const child = spawnInNs('env', [`STRONGSWAN_CONF=${join(dir, 'strongswan.conf')}`, 'unshare', '-m', 'sh', '-c', script]);
  child.once('exit', (code, signal) => failures.push(`charon exited ${code ?? signal} (see ${join(dir, 'charon.log')})`));
  await waitForFile(join(dir, 'charon.vici'), 'charon', failures);
  await run('swanctl', ['--load-all', '--file', join(dir, 'swanctl', 'swanctl.conf'), '--uri', `unix://${join(dir, 'charon.vici')}`], {
    timeout: 15_000,
  });
  await waitForListeners(namespace, [500, 4500], 'charon', { transport: 'udp', failures });
}
