"""Entry point of `make run`: see bot/app.py."""

import sys

from bot.app import main

if __name__ == "__main__":
    sys.exit(main())
