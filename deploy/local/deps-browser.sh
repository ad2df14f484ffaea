#!/usr/bin/env bash
# deps-browser.sh makes sure a headless Chromium is there for the web console's
# browser tests (gateway/console) and `go tool task screenshots`.
#
#   CHROMIUM_PATH set or chromium/chromium-browser/google-chrome on PATH -> says so
#   missing -> apt-get installs the Debian package `chromium` (root or sudo)
#
# Never fatal: the tests themselves fail, saying how to install it, when it is
# missing (or skip when SLOTMESH_SKIP_BROWSER=1). Idempotent.
set -uo pipefail

log() { printf 'deps-browser: %s\n' "$*"; }
warn() { printf 'deps-browser: %s\n' "$*" >&2; }

if [[ ${SLOTMESH_SKIP_BROWSER:-} == 1 ]]; then
	log "SLOTMESH_SKIP_BROWSER=1: not checking for Chromium"
	exit 0
fi
if [[ -n ${CHROMIUM_PATH:-} && -x ${CHROMIUM_PATH} ]]; then
	log "Chromium is at $CHROMIUM_PATH"
	exit 0
fi
for b in chromium chromium-browser google-chrome google-chrome-stable headless-shell; do
	if p=$(command -v "$b" 2>/dev/null); then
		log "Chromium is at $p"
		exit 0
	fi
done

SUDO=
if ((EUID != 0)); then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	else
		warn "Chromium is missing and this script cannot install it (needs root or password-less sudo):"
		warn "  sudo apt-get install -y chromium   (Debian/Ubuntu), or set CHROMIUM_PATH"
		exit 0
	fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
	warn "Chromium is missing and there is no apt-get: install Chromium or Chrome and set CHROMIUM_PATH"
	exit 0
fi
log "Chromium is missing; apt-get install chromium"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null || warn "apt-get update failed"
if $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core </dev/null; then
	log "Chromium installed at $(command -v chromium)"
else
	warn "apt-get install chromium failed; the browser tests will fail until it is installed"
fi
