"""The `matchmaker` command: every command calls the same services as the web and the workers.

``base`` holds the group and the helpers the command modules share; each command module
imports only ``base`` (and ``progress``), never another command module.
"""

from __future__ import annotations

from matchmaker.cli import accounts, api, data, matching, run, scheduling  # noqa: F401  (register commands)
from matchmaker.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli.main(prog_name="matchmaker")
