#!/usr/bin/env sh
# Print the command that runs the Python to build .venv with: 3.12 (the Lambda runtime) where the
# machine has it, else python3 (3.11+). pyenv's bare python3.12 shim refuses without PYENV_VERSION.
for cand in "python3.12" "env PYENV_VERSION=3.12.1 python3.12" "python3"; do
  if $cand -c 'import sys; assert sys.version_info >= (3, 11)' >/dev/null 2>&1; then
    echo "$cand"; exit 0
  fi
done
echo "no Python 3.11+ found" >&2; exit 1
