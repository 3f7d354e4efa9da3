#!/bin/sh
# Install the Debian/Ubuntu packages genba needs to build llama.cpp and show Qt windows.
# Does nothing when they are all present; uses sudo when not root.
# A package that cannot be installed (renamed on this release, e.g. Ubuntu's *t64
# libraries, or no root) is reported but does not stop the setup: the library it
# provides may well be present under another name, and a real gap shows up
# clearly at the step that needs it.
set -u
PKGS="python3-venv python3-dev build-essential libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 \
libfontconfig1 libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
libxcb-shape0 fonts-noto-cjk fonts-dejavu-core"

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian/Ubuntu system; make sure the equivalents of these are installed: $PKGS" >&2
  exit 0
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""
elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
else
  echo "system-deps: WARNING: not root and no sudo; please install:$missing" >&2
  exit 0
fi
echo "system-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "system-deps: WARNING: apt-get update failed" >&2
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
  failed=""
  for p in $missing; do
    $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 || failed="$failed $p"
  done
  [ -n "$failed" ] && echo "system-deps: WARNING: could not install:$failed (continuing)" >&2
fi
exit 0
