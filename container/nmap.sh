#!/bin/sh
# The image's `nmap` (first on PATH): the copy of nmap that holds the raw-socket capability (cap_net_raw, a file
# capability) where this container can pass it on, plain nmap otherwise. The kernel refuses to start the capable copy
# when NET_RAW is not in the bounding set (a container run without --cap-add NET_RAW), and starts it without the
# capability under no_new_privs (allowPrivilegeEscalation: false). cocoscan reads the same two lines
# (src/nmap/privilege.ts) to choose a SYN scan or a connect scan.
bounding=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
no_new_privs=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' /proc/self/status)
if [ "$no_new_privs" = 0 ] && [ -n "$bounding" ] && [ $((0x$bounding >> 13 & 1)) = 1 ]; then
  exec /usr/local/libexec/cocoscan/nmap "$@"
fi
exec /usr/bin/nmap "$@"
