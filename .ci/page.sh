#!/usr/bin/env bash
# The page: built with Debian's Emscripten after the native build (README, "The page"), then driven in headless
# Chromium against the command line (tests/browser/page_test.py), served by `llmfit serve` and opened from disk.
# Screenshots of every view land in out/page/ (CI artefacts).
set -euo pipefail
cd "$(dirname "$0")/.."
native=${NATIVE_BUILD_DIR:-build}
[ -x "$native/cli/llmfit" ] || { echo "page.sh: build the native tree first ($native/cli/llmfit)" >&2; exit 1; }

packages=()
command -v em++ >/dev/null || packages+=(emscripten)
command -v chromium >/dev/null || packages+=(chromium)
command -v chromedriver >/dev/null || packages+=(chromium-driver)
/usr/bin/python3 -c "import selenium" 2>/dev/null || packages+=(python3-selenium)
if [ "${#packages[@]}" -gt 0 ]; then
  echo "+ apt-get install ${packages[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

# The page's build command, as the README gives it.
page_command=$(awk '/^<!-- page-build -->$/{getline; getline; print; exit}' README.md)
[ -n "$page_command" ] || { echo "page.sh: README.md has no page build command after <!-- page-build -->" >&2; exit 1; }
echo "+ $page_command"
bash -euo pipefail -c "$page_command"

echo "+ tests/browser/page_test.py"
/usr/bin/python3 tests/browser/page_test.py --page build-web/llmfit.html --cli "$native/cli/llmfit" --out out/page
