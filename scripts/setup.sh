#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for the demo and the tests: OpenSSL (the independent
# S/MIME peer in interop tests), Chromium (browser tests), Kamailio with its WebSocket modules (the
# untrusted SIP core), iproute2 (a loopback-only network namespace for WebRTC in the end-to-end
# tests), then the npm packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(openssl chromium kamailio kamailio-websocket-modules iproute2)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
fi

npm ci --no-audit --no-fund
