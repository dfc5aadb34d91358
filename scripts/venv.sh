# Sourced by run.sh and test.sh: create .venv when missing and install the given
# requirements file when it changed since the last install (a stamp keeps reruns fast).
REQUIREMENTS_FILE="${1:-requirements.txt}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))." >&2
    exit 1
  }
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-$(basename "$REQUIREMENTS_FILE")"
if [ ! -f "$stamp" ] || [ "$REQUIREMENTS_FILE" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS_FILE"
  touch "$stamp"
fi
