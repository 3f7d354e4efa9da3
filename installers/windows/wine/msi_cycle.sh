#!/bin/sh
# A Wine smoke test of the MSI (not run by CI: Wine and MinGW are ~1 GB):
# install with both public properties, upgrade, downgrade (refused), repair with a missing
# POLICY_FILE (refused), uninstall — reading msiexec's exit codes and the files left behind.
#   apt-get install wine64 wine gcc-mingw-w64-x86-64-win32 xvfb
#   sh installers/windows/wine/msi_cycle.sh [WORKDIR]
# Wine's own schtasks.exe cannot /Create /XML, so a stand-in (schtasks_standin.c) records its
# arguments and succeeds: the cycle shows the task is created and deleted at the right moments,
# not that Task Scheduler accepts the XML (that needs Windows). Results: installers/README.md.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
WORK=${1:-$(mktemp -d)}
PY=${PYTHON:-$ROOT/.venv/bin/python}
mkdir -p "$WORK"
cd "$WORK"
for v in 0.1.0 0.1.1; do
  "$PY" "$ROOT/installers/windows/build_msi.py" --stub "stub-$v" --out "genba-$v.msi" --version "$v" >/dev/null
done
printf '[ui]\nlanguage = "ja"\n' > site.toml
export WINEPREFIX="$WORK/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="schtasks.exe=n;mscoree,mshtml="
if [ -z "${DISPLAY:-}" ]; then
  Xvfb :93 -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
  XVFB=$!
  trap 'kill $XVFB' EXIT
  export DISPLAY=:93
  sleep 1
fi
wineboot -i >/dev/null 2>&1
x86_64-w64-mingw32-gcc -O2 -o "$WINEPREFIX/drive_c/windows/system32/schtasks.exe" "$HERE/schtasks_standin.c"
W=$(winepath -w "$WORK")
PF="$WINEPREFIX/drive_c/Program Files/genba"
PD="$WINEPREFIX/drive_c/ProgramData/genba"
msi() {  # msiexec's exit code, read the way Windows scripts do
  wine cmd /c "start /wait msiexec $* & echo EXIT=%ERRORLEVEL%" 2>/dev/null | tr -d '\r' | sed -n 's/^EXIT=//p'
}
check() {  # what, expected, got
  if [ "$2" = "$3" ]; then echo "ok   $1: $3"; else echo "FAIL $1: expected $2, got $3"; FAILED=1; fi
}
FAILED=0
check "install 0.1.0 with UPDATE_REPOSITORY and POLICY_FILE" 0 \
  "$(msi /i "$W\\genba-0.1.0.msi" /qn /l*v "$W\\install.log" UPDATE_REPOSITORY=https://updates.example.com/genba/ "POLICY_FILE=$W\\site.toml")"
check "program installed" yes "$([ -f "$PF/genba.exe" ] && echo yes || echo no)"
check "models folder" yes "$([ -d "$PD/models" ] && echo yes || echo no)"
check "repository drop-in" 'repository_url = "https://updates.example.com/genba/"' \
  "$(tr -d '\r' < "$PD/policy.d/10-msi-repository.toml" | sed -n 2p)"
check "policy file copied" yes "$(cmp -s site.toml "$PD/policy.d/50-msi-policy.toml" && echo yes || echo no)"
SHORTCUT=$(find "$WINEPREFIX/drive_c" -iname 'genba*.lnk' | sed "s|$WINEPREFIX/||")
check "upgrade to 0.1.1" 0 "$(msi /i "$W\\genba-0.1.1.msi" /qn /l*v "$W\\upgrade.log")"
check "drop-ins kept by an upgrade without properties" 2 "$(ls "$PD/policy.d" | wc -l)"
check "downgrade to 0.1.0 refused" 1603 "$(msi /i "$W\\genba-0.1.0.msi" /qn /l*v "$W\\downgrade.log")"
# Windows returns 1603 here; Wine's msi reports the failed deferred action as 1627.
echo "info repair with a missing POLICY_FILE: exit $(msi /i "$W\\genba-0.1.1.msi" /qn REINSTALL=ALL REINSTALLMODE=vomus "POLICY_FILE=$W\\missing.toml" /l*v "$W\\badpolicy.log") (non-zero: refused)"
check "uninstall" 0 "$(msi /x "$W\\genba-0.1.1.msi" /qn /l*v "$W\\uninstall.log")"
check "program removed" no "$([ -e "$PF" ] && echo yes || echo no)"
echo "info left in ProgramData (the site's policy stays): $(cd "$PD" 2>/dev/null && find . -type f | tr '\n' ' ')"
echo "info schtasks calls:"; tr -d '\r' < "$WINEPREFIX/drive_c/schtasks-calls.txt" | sed 's/^/     /'
echo "info shortcut after install: $SHORTCUT"
exit $FAILED
