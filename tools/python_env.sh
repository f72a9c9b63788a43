# Sourced by the shell launchers: which Python runs the tools.
#   $PYTHON when set; else the active virtual environment's; else the project's .venv (what
#   `make demo` / `make test` build); else `python` on PATH.
_FINEPHYS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -z "${PYTHON:-}" ]; then
  if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
    PYTHON="$VIRTUAL_ENV/bin/python"
  elif [ -x "$_FINEPHYS_ROOT/.venv/bin/python" ]; then
    PYTHON="$_FINEPHYS_ROOT/.venv/bin/python"
  else
    PYTHON=python
  fi
fi
export PYTHONPATH="$_FINEPHYS_ROOT${PYTHONPATH:+:$PYTHONPATH}"
