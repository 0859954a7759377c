# cocoscan and nmap, run by a non-root user (uid 10001). Only nmap holds a capability: CAP_NET_RAW, as a file
# capability, for the SYN and UDP sweeps. Give the container NET_RAW and nothing else:
#   docker run --rm --network host --cap-drop ALL --cap-add NET_RAW --user "$(id -u):$(id -g)" -v "$PWD:/work" \
#     cocoscan check /work/connection.yaml --out /work/out --no-history
# Kubernetes: runAsNonRoot, capabilities drop [ALL] add [NET_RAW], and allowPrivilegeEscalation left true (false
# sets no_new_privs, under which no file capability is granted). Without NET_RAW, or under no_new_privs, cocoscan
# runs a TCP connect scan with no UDP sweep and the report says so (scanner.scanType "connect"). docs/fleet.md has
# a CronJob; test/package/container.test.ts builds this file and runs the image that way.
# BASE: any Debian bookworm image with Node.js (22 or later) and npm at /usr/local/bin, as the official node images have.
ARG BASE=node:22-bookworm-slim

FROM ${BASE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm pack` builds dist/ (the package's `prepare`): the tarball is the package as npm would publish it. It is
# unpacked into a prefix of its own with its runtime dependencies at the versions package-lock.json pins (npm ci).
RUN npm pack --pack-destination /tmp \
  && mkdir -p /opt/cocoscan/lib/node_modules/cocoscan /opt/cocoscan/bin \
  && tar -xzf /tmp/cocoscan-*.tgz --strip-components=1 -C /opt/cocoscan/lib/node_modules/cocoscan \
  && cp package-lock.json /opt/cocoscan/lib/node_modules/cocoscan/ \
  && cd /opt/cocoscan/lib/node_modules/cocoscan \
  && npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && rm package-lock.json \
  && ln -s ../lib/node_modules/cocoscan/bin/cocoscan.js /opt/cocoscan/bin/cocoscan

FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
  && apt-get install -y --no-install-recommends nmap libcap2-bin ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && install -D -m 0755 /usr/bin/nmap /usr/local/libexec/cocoscan/nmap \
  && setcap cap_net_raw+eip /usr/local/libexec/cocoscan/nmap \
  && useradd --uid 10001 --user-group --create-home --home-dir /home/cocoscan --shell /usr/sbin/nologin cocoscan
COPY container/nmap.sh /usr/local/bin/nmap
COPY --from=build /opt/cocoscan /opt/cocoscan
# NMAP_PRIVILEGED: nmap's own switch for a non-root nmap with the capability; cocoscan honours it where the
# capability can be passed on (src/nmap/privilege.ts).
ENV PATH=/opt/cocoscan/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  NMAP_PRIVILEGED=1
# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
WORKDIR /home/cocoscan
ENTRYPOINT ["cocoscan"]
CMD ["--help"]
