"""Auto criteria of the NoSQL comparison: aggregation pipelines compared with the platform's own on
two seeds (and with $group's output order reversed), the Redis checkout under fifty concurrent
buyers, and the leaderboard scripts against a model of the rules."""

from __future__ import annotations

import threading
from typing import Any

from labs.engines.mongo.answer import AnswerFormatError, load_extended_json, parse_query
from labs.engines.redis.resp import RespConnection
from labs.projects.env_nosql import NosqlProjectEnv
from labs.projects.pg_common import Award, text_of
from labs.projects.spec import Criterion

QUERY_TIMEOUT = 20.0


def _pipelines(text: str | None, source: str) -> tuple[dict[str, Any], str]:
    if text is None:
        return {}, f"{source} is missing"
    try:
        data = load_extended_json(text, source)
    except AnswerFormatError as exc:
        return {}, str(exc)
    if not isinstance(data, dict):
        return {}, f'{source} must be an object like {{"o7_revenue": {{"collection": ..., "pipeline": [...]}}}}'
    return data, ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "…"


def _where(a: Any, b: Any, path: str) -> tuple[str, Any, Any]:
    """The first place two documents differ, as a dotted path, with both values there."""
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return path or "the fields", list(a), list(b)
        for key in a:
            if a[key] != b[key]:
                return _where(a[key], b[key], f"{path}.{key}" if path else key)
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _where(x, y, f"{path}[{n}]")
    return path, a, b


def _first_difference(expected: list[dict], got: list[dict]) -> str:
    if len(expected) != len(got):
        return f"expected {len(expected)} documents, got {len(got)}"
    for n, (a, b) in enumerate(zip(expected, got, strict=True), start=1):
        if a != b:
            path, want, have = _where(a, b, "")
            return f"document {n} differs at {path}: expected {_short(want)}, got {_short(have)}"
    return ""


def check_pipelines(env: NosqlProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    source = criterion.options.get("file", "mongo/pipelines.json")
    learner, problem = _pipelines(text_of(handin, source), source)
    if problem:
        return Award(
            0, problem + '. Write each graded pipeline as extended JSON: {"collection": ..., "pipeline": [...]}.'
        )
    reference_path = env.spec.root / criterion.options["reference"]
    reference, _ = _pipelines(reference_path.read_text(encoding="utf-8"), str(reference_path))
    names: list[str] = criterion.options["pipelines"]
    right, notes, details = 0, [], {}
    for name in names:
        raw = learner.get(name)
        if raw is None:
            notes.append(f"{name}: not in {source}")
            details[name] = "missing"
            continue
        try:
            query = parse_query(raw) if isinstance(raw, dict) else parse_query({})
        except AnswerFormatError as exc:
            notes.append(f"{name}: {exc}")
            details[name] = "unreadable"
            continue
        problem = ""
        for database in env.databases:
            expected = env.store.query(database, parse_query(reference[name]), QUERY_TIMEOUT, as_grader=True)
            # a pipeline that leans on $group's output order fails one of the two orders
            for reverse in (False, True):
                env.remaining()
                try:
                    got = env.store.query(database, query, QUERY_TIMEOUT, reverse_groups=reverse)
                except Exception as exc:  # the learner's pipeline failed in the engine
                    problem = f"it failed on the {database} data: {str(exc).splitlines()[0][:200]}"
                    break
                problem = _first_difference(expected, got)
                if problem:
                    problem += f" (on the {database} data)"
                    break
            if problem:
                break
        details[name] = problem or "matches"
        if problem:
            notes.append(f"{name}: {problem}")
        else:
            right += 1
    if right == len(names):
        return Award(
            criterion.points,
            f"All {len(names)} graded pipelines return exactly the reference output on both "
            "data sets, whatever order $group emits its groups in.",
            details,
        )
    return Award(
        round(criterion.points * right / len(names), 2),
        "; ".join(notes[:2]) + ". Sort after every $group "
        "whose order matters, and check days without sales and empty facets.",
        details,
    )


# --------------------------------------------------------------------------- Redis checkout


def _eval(conn: RespConnection, script: str, keys: list[str], args: list[Any]) -> tuple[Any, str]:
    try:
        return conn.call("EVAL", script, len(keys), *keys, *args, timeout=10), ""
    except Exception as exc:  # the learner's script raised, or Redis refused it
        return None, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def check_redis_checkout(env: NosqlProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    script = text_of(handin, "redis/checkout.lua")
    if script is None:
        return Award(0, "redis/checkout.lua is missing.")
    options = criterion.options
    buyers, units = int(options.get("buyers", 50)), int(options.get("units", 3))
    sku = "LTD-TEAPOT-HAT"
    env.admin_call("FLUSHALL")
    env.admin_call("SET", f"stock:{sku}", units)
    for n in range(buyers):
        env.admin_call("HSET", f"cart:buyer{n}", sku, 1)
    connections = [env.learner() for _ in range(buyers)]
    barrier = threading.Barrier(buyers)
    results: list[tuple[Any, str]] = [(None, "")] * buyers

    def buy(n: int) -> None:
        try:
            barrier.wait(timeout=20)
            results[n] = _eval(connections[n], script, [f"cart:buyer{n}"], [])
        except threading.BrokenBarrierError:
            results[n] = (None, "barrier")

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(buyers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(1.0, env.remaining()))
    finally:
        for conn in connections:
            conn.close()
    wins = [n for n, (value, _) in enumerate(results) if _int(value) == 1]
    errors = sorted({error for _, error in results if error})
    stock = _int(env.admin_call("GET", f"stock:{sku}"))
    untouched = sum(
        1 for n in range(buyers) if n not in wins and env.admin_call("HGET", f"cart:buyer{n}", sku) in (b"1", "1")
    )
    details: dict[str, Any] = {
        "succeeded": len(wins),
        "stock_after": stock,
        "errors": errors[:3],
        "losing_carts_unchanged": untouched,
    }
    earned, notes = 0, []
    if len(wins) == units:
        earned += 5
    else:
        notes.append(
            f"expected exactly {units} of {buyers} concurrent checkouts to return 1, {len(wins)} did"
            + (f" (errors: {'; '.join(errors[:2])})" if errors else "")
        )
    if stock == 0:
        earned += 3
    else:
        notes.append(f"expected stock:{sku} to end at 0, it is {stock}")
    if untouched == buyers - len(wins):
        earned += 2
    else:
        notes.append(f"a refused checkout must leave its cart alone; {buyers - len(wins) - untouched} carts changed")
    # a cart with one line that cannot be filled changes nothing
    env.admin_call("MSET", "stock:CAP-RED", 10, "stock:SKIN-GOLD", 2)
    env.admin_call("HSET", "cart:partial", "CAP-RED", 1, "SKIN-GOLD", 5)
    single = env.learner()
    try:
        value, error = _eval(single, script, ["cart:partial"], [])
    finally:
        single.close()
    after = (
        _int(env.admin_call("GET", "stock:CAP-RED")),
        _int(env.admin_call("GET", "stock:SKIN-GOLD")),
        env.admin_call("HLEN", "cart:partial"),
    )
    details["partial_cart"] = {"returned": str(value), "error": error, "stock_and_cart_after": list(after)}
    if _int(value) == 1:
        notes.append("a cart asking 5 of an item with 2 in stock must be refused, but the script returned 1")
    elif after != (10, 2, 2):
        notes.append(
            f"a refused cart must change nothing; stock went from (10, 2) to {after[:2]} and the cart has "
            f"{after[2]} lines (a script cannot roll back: check every line before the first write)"
        )
    else:
        earned += 5
    if not notes:
        return Award(
            criterion.points,
            f"{buyers} concurrent checkouts for the last {units} units: exactly {units} "
            "succeeded, stock ended at 0, and a cart with an unavailable line changed nothing.",
            details,
        )
    return Award(round(criterion.points * earned / 15, 2), "; ".join(notes) + ".", details)


# --------------------------------------------------------------------------- leaderboard

MONDAY_MS = 1_740_960_000_000  # 2025-03-03 00:00 UTC, a Monday: ISO week 2025-W10
SUBMISSIONS = [  # (player, score, seconds after Monday 00:00)
    ("p1", 100, 10),
    ("p2", 200, 20),
    ("p3", 150, 30),
    ("p4", 200, 40),
    ("p5", 50, 50),
    ("p1", 90, 60),
    ("p3", 220, 70),
    ("p6", 200, 80),
    ("p7", 10, 90),
    ("p8", 150, 100),
    ("p9", 9, 110),
    ("p10", 8, 120),
    ("p11", 7, 130),
    ("p12", 6, 140),
    ("p13", 5, 150),
    ("p14", 4, 160),
    ("p2", 200, 170),
    ("p12", 7, 180),
]


def _model_board() -> list[str]:
    """Best score per player, ties to whoever reached it first."""
    best: dict[str, tuple[int, int]] = {}
    for player, score, at in SUBMISSIONS:
        if player not in best or score > best[player][0]:
            best[player] = (score, at)
    return sorted(best, key=lambda p: (-best[p][0], best[p][1]))


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


def check_leaderboard(env: NosqlProjectEnv, criterion: Criterion, handin: dict[str, bytes]) -> Award:
    submit, read = text_of(handin, "redis/submit_score.lua"), text_of(handin, "redis/leaderboard.lua")
    if submit is None or read is None:
        return Award(0, "redis/submit_score.lua and redis/leaderboard.lua are both needed.")
    key, k = "lb:2025-W10", 2
    env.admin_call("FLUSHALL")
    conn = env.learner()
    try:
        for player, score, at in SUBMISSIONS:
            _, error = _eval(conn, submit, [key], [player, score, MONDAY_MS + at * 1000])
            if error:
                return Award(0, f"submit_score.lua failed for {player} scoring {score}: {error}.")
        board = _model_board()
        probes = {
            "top of the board": "p3",
            "a tie at 200": "p4",
            "best score kept": "p1",
            "bottom edge": "p14",
            "tie reached later at 7": "p12",
            "no score yet": "nobody",
        }
        right, notes, details = 0, [], {}
        for label, player in probes.items():
            got, error = _eval(conn, read, [key], [player, k])
            if player in board:
                at = board.index(player)
                want = [at + 1, board[:10], board[max(0, at - k) : at + k + 1]]
            else:
                want = [-1, board[:10], []]
            got = _text(got)
            details[label] = {"expected": want, "got": error or got}
            if (
                not error
                and isinstance(got, list)
                and len(got) == 3
                and _int(got[0]) == want[0]
                and got[1:] == want[1:]
            ):
                right += 1
            else:
                notes.append(
                    f"{label} ({player}): expected rank {want[0]}, top {want[1][:4]}…, around {want[2]}; "
                    f"got {error or _short(got)}"
                )
    finally:
        conn.close()
    if right == len(probes):
        return Award(
            criterion.points,
            "Best scores are kept, ties go to whoever reached the score first, and rank, "
            "top 10 and neighbours are right at both edges of the board.",
            details,
        )
    return Award(
        round(criterion.points * right / len(probes), 2),
        f"{right} of {len(probes)} board probes are right. " + notes[0] + ".",
        details,
    )
