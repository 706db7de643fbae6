#!/usr/bin/env bash
# The system programs the tests use beside Python: LibreOffice (the real spreadsheet client),
# PostgreSQL (the round store's server tests), Chromium and CJK fonts (the portal's browser test).
# Installs what is missing when run as root with apt-get; otherwise names the command and fails,
# so a missing program is requested clearly instead of silently skipping its tests.
set -euo pipefail

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi
echo "missing system packages: ${missing[*]}" >&2
echo "install them with:  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
exit 1
