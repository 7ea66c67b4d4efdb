"""Allow ``python -m generator``."""

from generator.app import main

main()
