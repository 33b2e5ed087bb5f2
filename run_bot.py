"""Entry point of `make run`: see bot/app.py."""

import sys

from bot import native

# Before numpy loads: one thread per numerical library, the same BLAS kernels on every CPU.
native.settle()

from bot.app import main

if __name__ == "__main__":
    sys.exit(main())
