"""Allow ``python -m generator``."""

from generator.cli.site import main

main()
