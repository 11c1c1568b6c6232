"""An answer's text before any grader sees it: decoded, not empty, not huge, no bytes a server refuses.

The CLI (``python -m labs grade``) and the site's submit endpoint both come through here, so a
file and a form get the same sentences, each naming the line a learner has to fix.
"""

from __future__ import annotations

from pathlib import Path

MAX_ANSWER_CHARS = 100_000
# Reading a file stops here: enough to say "too long" without loading a gigabyte into memory.
MAX_ANSWER_BYTES = MAX_ANSWER_CHARS * 4


class AnswerInputError(ValueError):
    """The answer cannot be graded as given; ``problems`` are learner-facing sentences."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def decode_answer(data: bytes) -> str:
    """UTF-8 text of an answer file (a BOM dropped); AnswerInputError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise AnswerInputError(
            [
                f"Your answer is not valid UTF-8 text: byte 0x{data[exc.start]:02x} on line {line}, "
                f"column {column} cannot be read. Save the file as UTF-8 (most editors: 'Save with "
                "encoding') or retype the characters around that spot."
            ]
        ) from None


def answer_problems(text: str) -> list[str]:
    """Why ``text`` is not worth grading (empty, too long, NUL or undecodable characters); [] when fine."""
    if not text.strip():
        return ["Your answer is empty. Write your answer in the editor, then submit."]
    if len(text) > MAX_ANSWER_CHARS:
        return [
            f"Your answer is {len(text):,} characters long; the limit is {MAX_ANSWER_CHARS:,}. "
            "Answers are statements or commands, not data: generate rows with SQL instead of pasting them."
        ]
    problems = []
    if "\x00" in text:
        # Postgres refuses NUL in any text, and so would the site's own database.
        problems.append(f"Line {_line(text, chr(0))} of your answer contains a NUL character (\\0); remove it.")
    if "\ufffd" in text:
        # What a browser or decoder leaves where bytes were not valid UTF-8.
        problems.append(
            f"Line {_line(text, chr(0xFFFD))} of your answer contains �, the mark of text that was not valid "
            "UTF-8 when it was pasted or saved; retype the characters there."
        )
    return problems


def _line(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


def read_answer_file(path: str | Path) -> str:
    """An answer file's text; OSError when it cannot be read, AnswerInputError when it cannot be graded."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        raise AnswerInputError(
            [f"Your answer file is over {MAX_ANSWER_BYTES:,} bytes; the limit is {MAX_ANSWER_CHARS:,} characters."]
        )
    text = decode_answer(data)
    problems = answer_problems(text)
    if problems:
        raise AnswerInputError(problems)
    return text
