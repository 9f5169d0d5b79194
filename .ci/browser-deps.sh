#!/usr/bin/env bash
# The real-browser test (movie_assets_tests/app/test_browser.py) drives Debian's Chromium through the
# matching chromedriver from the same release; nothing is downloaded outside the Debian archive.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
run_as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
run_as_root apt-get update -q
run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
/usr/bin/chromium --version
