#!/usr/bin/env bash
# System packages the tests and benchmarks need beyond Python's: installed from Debian when missing
# (root only; otherwise say what to install). Chromium for browser tests, wrk for benchmarks, promtool and
# amtool to check the alert rules and the Alertmanager example (deploy/monitoring), nginx for the scale-out run.
set -euo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v amtool >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)  # scripts/scale-demo
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} from Debian"
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "${need[@]}" >/dev/null; }
else
  echo "please install: ${need[*]} (Debian/Ubuntu: apt-get install ${need[*]})" >&2
fi
