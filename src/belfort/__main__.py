"""Allow `python -m belfort` as an alias of the `belfort` command."""

from belfort.cli import main

main()
