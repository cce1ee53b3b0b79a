# Sourced by scripts/start and scripts/test: a virtual environment with matchmaker installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python_bin=${PYTHON:-python3.11}
command -v "$python_bin" >/dev/null 2>&1 || python_bin=python3
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# PyTorch's CPU build first: otherwise sentence-transformers pulls a multi-GB CUDA build.
.venv/bin/python -m pip install -q torch==2.13.0
