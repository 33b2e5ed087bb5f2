"""Command line: `python -m bot ask|check|eval|chat|bench|run`."""

from __future__ import annotations

from bot import native

# Before numpy loads: one thread per numerical library, and the same BLAS kernels on every CPU
# (see bot/native.py); the curation commands that train say so to the embedding model themselves.
native.settle()

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.config import ConfigurationError, Settings
from bot.core import knowledge
from bot.core.corpus import load_examples
from bot.core.dialogue import Dialogue
from bot.core.engine import Engine
from bot.core.ranker_store import default_store
from bot.core.replies import Reply


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    try:
        code = _dispatch(parser, args, extra)
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


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]) -> int:
    if args.command == "bench":  # its own options, parsed by the bench
        from bot.curation.bench import main as bench_main

        return bench_main(list(extra))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    command: Callable[[argparse.Namespace], int] = args.func
    return command(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for add in (_add_check, _add_sources, _add_ask, _add_eval, _add_corpus, _add_chat, _add_webhook):
        add(commands)
    inbox = commands.add_parser("inbox", help="the words of the questions the bot declined (counts only)")
    inbox.add_argument("--days", type=int, default=None, help="default: INBOX_DAYS or 30")
    inbox.set_defaults(func=lambda args: _inbox(args.days))
    commands.add_parser("bench", help="time the matcher against naive peers", add_help=False)
    commands.add_parser("run", help="serve Telegram, or chat in the terminal without a token").set_defaults(
        func=_run_bot
    )
    return parser


Commands = Any  # argparse's subparsers action (its type is private)


def _add_check(commands: Commands) -> None:
    check = commands.add_parser("check", help="validate a knowledge directory")
    check.add_argument("directory", nargs="?", help="default: KNOWLEDGE_DIR or knowledge/")
    check.add_argument(
        "--review-days",
        type=int,
        metavar="DAYS",
        help="warn about entries reviewed longer ago than this (default: REVIEW_MAX_AGE_DAYS or 365)",
    )
    check.set_defaults(func=lambda args: _check(args.directory, args.review_days))


def _add_sources(commands: Commands) -> None:
    sources = commands.add_parser(
        "sources", help="every source URL with the entries citing it, the least recently reviewed first"
    )
    sources.add_argument("directory", nargs="?", help="default: KNOWLEDGE_DIR or knowledge/")
    sources.set_defaults(func=lambda args: _sources(args.directory))


def _add_ask(commands: Commands) -> None:
    ask = commands.add_parser("ask", help="answer messages as the bot would")
    ask.add_argument("messages", nargs="*", help="default: one message per line on stdin")
    ask.add_argument("--kb", help="knowledge directory")
    ask.add_argument("--json", action="store_true", help="one JSON object per message")
    ask.add_argument(
        "--explain",
        action="store_true",
        help="show how each message is read: terms, their kind and weight, safety, candidates, decision",
    )
    ask.add_argument(
        "--conversation",
        action="store_true",
        help="the messages are the turns of one conversation (follow-ups)",
    )
    ask.set_defaults(func=_ask_command)


def _add_eval(commands: Commands) -> None:
    evaluate = commands.add_parser(
        "eval",
        help="measure answer quality, each set on its own",
        description="Without FILE: the blind test and tuning halves, leave-one-out, the real "
        "off-topic utterances, the development set and the generated variants.",
    )
    evaluate.add_argument("files", nargs="*", metavar="FILE", help="YAML list of {text, expect}")
    evaluate.add_argument("--kb", help="knowledge directory")
    evaluate.add_argument(
        "--holdout",
        action="store_true",
        help="leave-one-out: each example question asked of a bot built without it",
    )
    evaluate.add_argument(
        "--peers", action="store_true", help="score rapidfuzz WRatio and difflib on the same messages"
    )
    evaluate.add_argument(
        "--calibrate",
        action="store_true",
        help="search the thresholds that fit the blind tuning half and leave-one-out best",
    )
    evaluate.add_argument("--errors", action="store_true", help="list every miss")
    evaluate.add_argument(
        "--outcomes", type=Path, metavar="FILE", help="save what each message got (no text) to FILE"
    )
    evaluate.add_argument(
        "--against",
        type=Path,
        metavar="FILE",
        help="compare what each message gets with an earlier --outcomes FILE, message by message",
    )
    evaluate.set_defaults(func=_eval_command)


def _add_corpus(commands: Commands) -> None:
    corpus = commands.add_parser(
        "corpus", help="import writers' messages into knowledge/examples/, or count the corpus"
    )
    corpus.add_argument(
        "action",
        choices=["import", "stats", "warm"],
        help="warm: train the ranker if the knowledge changed, and embed the evaluation sets, "
        "into the cache (make test does it first, on every core)",
    )
    corpus.add_argument("files", nargs="*", metavar="FILE", help="a writer's YAML list")
    corpus.add_argument("--kb", help="knowledge directory")
    corpus.set_defaults(func=lambda args: _corpus(args.action, args.files, args.kb))


def _add_chat(commands: Commands) -> None:
    chat = commands.add_parser("chat", help="chat in the terminal")
    chat.add_argument("--kb", help="knowledge directory")
    chat.set_defaults(func=_chat_command)


def _add_webhook(commands: Commands) -> None:
    webhook = commands.add_parser(
        "webhook", help="set, delete or show the Telegram webhook (once, at deployment)"
    )
    webhook.add_argument("action", choices=["set", "delete", "info"])
    webhook.set_defaults(func=lambda args: _webhook(args.action))


def _run_bot(_: argparse.Namespace) -> int:
    from bot.app import main as run_main

    return run_main()


def _loaded(directory: str | None) -> Engine | None:
    """The engine, or None once the knowledge base's problems are printed."""
    try:
        return _engine(directory)
    except knowledge.KnowledgeError as error:
        print(error, file=sys.stderr)
        return None


def _ask_command(args: argparse.Namespace) -> int:
    engine = _loaded(args.kb)
    if engine is None:
        return 1
    messages = [_as_utf8(m) for m in args.messages] if args.messages else _stdin_lines()
    if args.explain:
        from bot.curation.explain import explain

        for message in messages:
            print(f"> {message}")
            print("\n".join(explain(engine, message)) + "\n")
        return 0
    return _ask(engine.dialogue, messages, as_json=args.json, conversation=args.conversation)


def _eval_command(args: argparse.Namespace) -> int:
    from bot.curation.eval_command import Options
    from bot.curation.eval_command import run as evaluate

    engine = _loaded(args.kb)
    if engine is None:
        return 1
    options = Options(
        args.files, args.holdout, args.peers, args.calibrate, args.errors, args.outcomes, args.against
    )
    return evaluate(engine, _knowledge_dir(args.kb), options)


def _chat_command(args: argparse.Namespace) -> int:
    from bot.channels.terminal import chat as terminal_chat
    from bot.channels.terminal import input_lines

    engine = _loaded(args.kb)
    if engine is None:
        return 1
    terminal_chat(engine.dialogue, input_lines())
    return 0


def _webhook(action: str) -> int:
    from bot.channels.telegram.webhook import command

    settings = Settings.from_environment()
    if not settings.token:
        raise ConfigurationError("TELEGRAM_BOT_TOKEN is not set")
    return command(settings, action)


def _inbox(days: int | None) -> int:
    settings = Settings.from_environment()
    span = days or settings.inbox_days
    shared = bool(settings.redis_url and settings.state_key_secret)
    if not shared and (settings.inbox_path is None or not settings.inbox_path.exists()):
        print(f"no inbox at {settings.inbox_path}: nothing declined yet, or another INBOX_PATH")
        return 0
    return asyncio.run(_read_inbox(settings, span))


async def _read_inbox(settings: Settings, span: int) -> int:
    """The inbox the bot writes: the replicas' in Redis (REDIS_URL), else the SQLite file."""
    from bot.ops.inbox import InboxUnavailable, render
    from bot.services import open_services
    from bot.state import StateKeyMismatch

    # The bot's id is the token's first half: no call to Telegram to read its own counts.
    bot_id = (settings.token or "").partition(":")[0]
    try:
        async with open_services(settings, bot_id) as services:
            inbox = services.inbox
            print(render(await inbox.report(span, limit=50), span, await inbox.shared(span, limit=50)))
    except (InboxUnavailable, StateKeyMismatch) as error:
        print(f"the inbox cannot be read: {error}", file=sys.stderr)
        return 2
    return 0


def _knowledge_dir(given: str | None) -> Path:
    return Path(given) if given else Settings.from_environment().knowledge_dir


def _engine(directory: str | None) -> Engine:
    """The engine as the bot builds it (SEMANTIC, MODEL_CACHE_DIR), training on both cores."""
    from bot.app import load_engine

    settings = replace(Settings.from_environment(), knowledge_dir=_knowledge_dir(directory))
    return load_engine(settings, threads=os.cpu_count() or 1)


def _corpus(action: str, files: list[str], directory: str | None) -> int:
    from bot.curation import corpus_import
    from bot.curation.evaluation import BLIND_SETS

    root = _knowledge_dir(directory)
    if action == "warm":
        return _warm(directory)
    try:
        kb = knowledge.load(root)
        if action == "import":
            blind = corpus_import.blind_texts(BLIND_SETS)
            report = corpus_import.import_writers(root, [Path(f) for f in files], kb.entries, blind)
            print("\n".join(report.lines()))
        print("\n".join(corpus_import.stats(load_examples(root, kb.entries, default_store()))))
    except knowledge.KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


def _warm(directory: str | None) -> int:
    from bot.curation import evaluation as ev

    try:
        engine = _engine(directory)
    except knowledge.KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    # Every labelled set the evaluation scores (the unlabelled originals are not one).
    sets = [*(path for path in ev.BLIND_SETS if path != ev.BLIND_UNLABELLED), ev.DEV_SET]
    texts = [e.text for path in sets for e in ev.load_examples(path)]
    texts += [e.text for e in ev.off_topic_examples()]
    ev.scoring_engine(engine, texts)  # embeds what the cache does not hold yet, and saves it
    if engine.embedder is not None:  # the other mode too: the tests run both
        from bot.app import load_engine

        settings = replace(
            Settings.from_environment(), knowledge_dir=_knowledge_dir(directory), semantic=False
        )
        load_engine(settings, say_mode=False)
    mode = engine.mode_name
    print(f"ranker ready ({mode} mode); {len(set(texts))} evaluation messages embedded or cached")
    return 0


def _stdin_lines() -> Iterable[str]:
    """Every line, blank ones included, so that output record n answers input line n. Read as
    bytes: invalid UTF-8 becomes U+FFFD instead of reaching the JSON output."""
    return (raw.decode("utf-8", errors="replace").rstrip("\r\n") for raw in sys.stdin.buffer)


def _as_utf8(argument: str) -> str:
    """A command-line argument with its invalid UTF-8 bytes (kept by Python as lone surrogates,
    which no UTF-8 output can hold) replaced by U+FFFD."""
    return os.fsencode(argument).decode("utf-8", errors="replace")


def _check(directory: str | None, review_days: int | None) -> int:
    try:
        engine = _engine(directory)
    except knowledge.KnowledgeError as error:
        print(error)
        return 1
    kb = engine.kb
    max_age = review_days or Settings.from_environment().review_max_age_days
    for warning in (*kb.warnings, *knowledge.stale_entries(kb, dt.datetime.now(dt.UTC).date(), max_age)):
        print(warning)
    questions = sum(len(e.questions) for e in kb.entries.values())
    examples = engine.examples
    mode = engine.mode_name
    print(
        f"OK: {len(kb.entries)} entries, {questions} example questions, {examples} training "
        f"examples, {len(kb.files)} files; learned ranker: {mode} mode"
    )
    return 0


def _sources(directory: str | None) -> int:
    """The knowledge base is read, not indexed: no ranker is trained for a list of sources."""
    from bot.curation.sources import report, sources

    try:
        kb = knowledge.load(_knowledge_dir(directory))
    except knowledge.KnowledgeError as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(report(sources(kb), dt.datetime.now(dt.UTC).date())))
    return 0


def _ask(dialogue: Dialogue, messages: Iterable[str], *, as_json: bool, conversation: bool) -> int:
    labels = dialogue.texts
    topic: str | None = None  # `--conversation`: the messages follow each other in one chat
    for message in messages:
        reply = dialogue.text(message, topic if conversation else None)
        topic = reply.next_topic(topic)
        text = "\n\n".join(m.plain_text(labels) for m in reply.messages)
        if as_json:
            print(json.dumps(_as_record(message, reply, text), ensure_ascii=False), flush=True)
        else:
            route = (
                f" -> {reply.route}" if reply.route else (" -> which country?" if reply.route_asked else "")
            )
            print(f"> {message}\n[{reply.entry_id or reply.outcome} {reply.score}{route}]\n{text}\n")
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
        "route": reply.route,  # the country's route answered instead of the topic's general answer
        "route_asked": reply.route_asked,  # the bot asked which country (buttons)
    }


if __name__ == "__main__":
    sys.exit(main())
