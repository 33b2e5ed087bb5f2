"""Settings of the native numerical libraries, which they read once as they load.

`settle()` must run before numpy is first imported: the entry points (`run_bot.py`,
`python -m bot`) and the tests' conftest call it first thing.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# OpenBLAS chooses its kernels by CPU (SkylakeX where there is AVX-512, Haswell or Zen with AVX2),
# and their sums round differently. lbfgs stops at a tolerance, so where it stops moves with them:
# the ranker trained with the AVX-512 kernels differed by up to 0.2 in a weight (of 4.8) from the
# one trained with the AVX2 kernels, and answered 1 to 3 of the blind sets' messages differently.
# Every x86-64 CPU that can run the embedding model (AVX2 and FMA) runs the Haswell kernels, so with
# these the same knowledge trains the same model on each of them.
COMMON_KERNEL = "Haswell"
KERNEL_NEEDS = frozenset({"avx2", "fma"})


def settle(cpu_flags: frozenset[str] | None = None) -> None:
    """One thread per numerical library, and OpenBLAS's common kernel where the CPU has it.

    Set only where unset: an operator's own choice wins.
    """
    # The bot serves many small requests concurrently: a thread pool per library would only
    # fight over the cores. Training runs one process per core for the same reason.
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    flags = cpu_flags if cpu_flags is not None else _cpu_flags()
    if flags >= KERNEL_NEEDS:
        os.environ.setdefault("OPENBLAS_CORETYPE", COMMON_KERNEL)


def _cpu_flags() -> frozenset[str]:
    """The x86-64 CPU's feature flags, from Linux's /proc/cpuinfo; empty anywhere else."""
    if platform.system() != "Linux" or platform.machine() not in {"x86_64", "AMD64"}:
        return frozenset()
    try:
        with Path("/proc/cpuinfo").open(encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()
