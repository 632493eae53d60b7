# Sourced by the browser end-to-end scripts: Debian's chromium and chromium-driver, Selenium and
# axe-core's Python binding from PyPI, installed when missing.
command -v chromium >/dev/null && command -v chromedriver >/dev/null ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
python3 -c 'import selenium, selenium_axe_python' 2>/dev/null ||
  python3 -m pip install -q --root-user-action=ignore selenium "selenium-axe-python==2.2.0"
