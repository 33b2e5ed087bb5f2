"""Entry point of `make run`: see bot/app.py."""

import os
import sys

# One thread each for the numerical libraries: the bot serves many small requests concurrently,
# and a thread pool per library would only fight over the two cores. Set before numpy loads.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from bot.app import main

if __name__ == "__main__":
    sys.exit(main())
