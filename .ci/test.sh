#!/usr/bin/env bash
# `make test`: from a fresh clone on a fresh Debian machine (as root) installs what is missing, then runs ruff,
# the migration check and every test against real PostgreSQL, Redis, a Celery worker and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v runuser >/dev/null || need+=(util-linux)
command -v xgettext >/dev/null || need+=(gettext)  # makemessages and msgfmt: tests/i18n/test_catalogue.py
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing ${need[*]}"
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The Debian package starts a cluster of its own; ours is throwaway, so that one is left alone.

make --no-print-directory venv-dev

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== import-linter (the layers of DESIGN section 3)"
.venv/bin/lint-imports

exec bash .ci/with-services.sh bash -c '
  set -euo pipefail
  export DJANGO_SETTINGS_MODULE=cxapp.settings.test
  echo "== makemigrations --check"
  .venv/bin/python manage.py makemigrations --check --dry-run
  echo "== pytest"
  .venv/bin/pytest "$@"
' bash "$@"
