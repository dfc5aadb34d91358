# Sourced by run.sh and test.sh: create .venv when missing and install the given
# requirements file when it changed since the last install (a stamp keeps reruns fast).
# pip prints what it collects, downloads and installs: the first run takes a minute or
# two, and the terminal shows where it is.
REQUIREMENTS_FILE="${1:-requirements.txt}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "Python 3.11 or newer is needed (found: $("$PYTHON" --version 2>&1))." >&2
    exit 1
  }
  echo "Creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
source .venv/bin/activate
stamp=".venv/.installed-$(basename "$REQUIREMENTS_FILE")"
if [ ! -f "$stamp" ] || [ "$REQUIREMENTS_FILE" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  echo "Installing $REQUIREMENTS_FILE into .venv (once; again only when it changes)"
  python -m pip install --disable-pip-version-check --progress-bar on -r "$REQUIREMENTS_FILE"
  touch "$stamp"
  # The files it includes (-r requirements.txt) are installed too: run.sh need not redo them.
  sed -n 's/^-r[[:space:]]*//p' "$REQUIREMENTS_FILE" | while read -r included; do
    touch ".venv/.installed-$(basename "$included")"
  done
fi
