"""Command line: `python -m bot ask|check|eval|chat|bench|run`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot import engine, knowledge
from bot.config import ConfigurationError, Settings
from bot.dialogue import Dialogue, Reply


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a knowledge directory")
    check.add_argument("directory", nargs="?", help="default: KNOWLEDGE_DIR or knowledge/")

    ask = commands.add_parser("ask", help="answer messages as the bot would")
    ask.add_argument("messages", nargs="*", help="default: one message per line on stdin")
    ask.add_argument("--kb", help="knowledge directory")
    ask.add_argument("--json", action="store_true", help="one JSON object per message")
    ask.add_argument("--conversation", action="store_true",
                     help="the messages are the turns of one conversation (follow-ups)")

    evaluate = commands.add_parser("eval", help="measure answer quality on a labelled set")
    evaluate.add_argument("file", help="YAML list of {text, expect}")
    evaluate.add_argument("--kb", help="knowledge directory")
    evaluate.add_argument("--no-generated", action="store_true",
                          help="leave out the variants generated from the example questions")
    evaluate.add_argument("--calibrate", action="store_true",
                          help="search the thresholds that fit the whole set best")
    evaluate.add_argument("--errors", action="store_true", help="list every miss")

    chat = commands.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--kb", help="knowledge directory")

    commands.add_parser("bench", help="time the matcher against naive peers", add_help=False)
    commands.add_parser("run", help="serve Telegram, or chat in the terminal without a token")

    args, extra = parser.parse_known_args(argv)
    try:
        code = _run(parser, args, extra)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return code
    except BrokenPipeError:
        # The reader went away (`| head -1`): stop without a traceback. Python flushes stdout
        # once more at exit, so point it at /dev/null first (the recipe of the `signal` docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except ConfigurationError as error:
        print(f"python -m bot: {error}.", file=sys.stderr)
        return 2


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    if args.command == "bench":
        from bot.bench import main as bench_main

        return bench_main(list(extra))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "run":
        from bot.app import main as run_main

        return run_main()
    if args.command == "check":
        return _check(args.directory)
    try:
        dialogue = engine.build(_knowledge_dir(getattr(args, "kb", None)))
    except knowledge.KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    if args.command == "ask":
        messages = [_as_utf8(m) for m in args.messages] if args.messages else _stdin_lines()
        return _ask(dialogue, messages, as_json=args.json, conversation=args.conversation)
    if args.command == "eval":
        return _eval(dialogue, args.file, generated=not args.no_generated,
                     calibrate=args.calibrate, errors=args.errors)
    from bot.terminal import chat as terminal_chat
    from bot.terminal import input_lines

    terminal_chat(dialogue, input_lines())
    return 0


def _knowledge_dir(given: str | None) -> Path:
    return Path(given) if given else Settings.from_environment().knowledge_dir


def _stdin_lines() -> Iterable[str]:
    """Every line, blank ones included, so that output record n answers input line n. Read as
    bytes: invalid UTF-8 becomes U+FFFD instead of reaching the JSON output."""
    return (raw.decode("utf-8", errors="replace").rstrip("\r\n") for raw in sys.stdin.buffer)


def _as_utf8(argument: str) -> str:
    """A command-line argument with its invalid UTF-8 bytes (kept by Python as lone surrogates,
    which no UTF-8 output can hold) replaced by U+FFFD."""
    return os.fsencode(argument).decode("utf-8", errors="replace")


def _check(directory: str | None) -> int:
    try:
        kb = engine.build(_knowledge_dir(directory)).kb
    except knowledge.KnowledgeError as error:
        print(error)
        return 1
    for warning in kb.warnings:
        print(warning)
    questions = sum(len(e.questions) for e in kb.entries.values())
    print(f"OK: {len(kb.entries)} entries, {questions} example questions, {len(kb.files)} files")
    return 0


def _ask(dialogue: Dialogue, messages: Iterable[str], *, as_json: bool, conversation: bool) -> int:
    labels = dialogue.texts
    for message in messages:
        reply = dialogue.text(1, message) if conversation else dialogue.ask(message)
        text = "\n\n".join(m.plain_text(labels) for m in reply.messages)
        if as_json:
            print(json.dumps(_as_record(message, reply, text), ensure_ascii=False), flush=True)
        else:
            print(f"> {message}\n[{reply.entry_id or reply.outcome} {reply.score}]\n{text}\n")
    return 0


def _as_record(message: str, reply: Reply, text: str) -> dict[str, object]:
    """The stable interface of `ask --json`: later work and outside checks rely on it."""
    return {
        "query": message,
        "entry": reply.entry_id,
        "score": reply.score,
        "text": text,
        "suggestions": list(reply.suggestions),
        "outcome": reply.outcome,
        "entries": list(reply.entries),
    }


def _eval(dialogue: Dialogue, path: str, *, generated: bool, calibrate: bool, errors: bool) -> int:
    from bot import evaluation

    examples = evaluation.load_examples(path)
    sets = {"labelled": examples}
    if generated:
        sets["generated"] = evaluation.generated_examples(dialogue.kb)
        sets["all"] = examples + sets["generated"]
    for name, chosen in sets.items():
        report = evaluation.evaluate(dialogue, chosen)
        print(f"== {name} ==\n{report.summary()}")
        print("worst confusions (expected -> got):")
        for (expected, got), count in report.confusions(8):
            print(f"  {count:3d}  {expected} -> {got}")
        safety = [e.id for e in dialogue.kb.entries.values() if e.kind == "safety"]
        misses = report.safety_misses(safety[0]) if safety else []
        print(f"explosive reports without the safety answer first: {len(misses)}\n")
        if errors and name != "all":
            for r in report.results:
                if r.entry != r.example.expect:
                    print(f"  [{r.example.expect} -> {r.entry or r.outcome}] {r.example.text}")
    if calibrate:
        found = evaluation.calibrate(dialogue.kb, sets.get("all", examples))
        print(f"calibrated on {len(sets.get('all', examples))} messages: {found.thresholds} "
              f"-> accuracy {found.accuracy:.1%}, confident wrong {found.confident_wrong:.1%}, "
              f"utility {found.utility:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
