"""Handing a project in: reading uploaded files or one zip safely, checking them against the
site's limits and the project's own, and saving them as the learner's next version.

Nothing is saved unless every check passes, so a refused upload leaves the previous
version as it was, and the learner is told why in words they can act on."""

from __future__ import annotations

import io
import posixpath
import stat
import uuid
import zipfile
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max

from apps.courses.models import Project
from apps.projects.models import Handin, HandinFile

# Site-wide ceilings; a project's grading.toml may set lower ones ([handin]).
MAX_FILES = 100  # also Django's DATA_UPLOAD_MAX_NUMBER_FILES default
MAX_FILE_BYTES = 1_000_000
MAX_TOTAL_BYTES = 5_000_000
MAX_ZIP_BYTES = 5_000_000  # the zip as uploaded
MAX_PATH_CHARS = 200
# A zip member that inflates more than this many times over is refused as a zip bomb
# before it is read (its header says so); the read itself stops at the byte limits anyway.
MAX_COMPRESSION_RATIO = 100
# Files a learner's operating system adds by itself; dropped, never counted.
JUNK_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
JUNK_DIRS = {"__MACOSX", ".git", ".idea", ".vscode", "__pycache__"}


class HandinRefused(ValueError):
    """The hand-in was not saved; ``problems`` are learner-facing sentences."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class HandinLimits:
    max_files: int = MAX_FILES
    max_file_bytes: int = MAX_FILE_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} kB" if n < 1_000_000 else f"{n / 1_000_000:,.1f} MB"


def clean_path(raw: str) -> str:
    """A safe relative path ('/'-separated, no '..', not absolute), or HandinRefused."""
    path = raw.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise HandinRefused([f"“{raw}” is an absolute path; hand in paths relative to your project folder."])
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise HandinRefused([f"“{raw}” points outside your project folder (it contains “..”)."])
    if not parts:
        raise HandinRefused([f"“{raw}” is not a file name."])
    if any(ord(c) < 32 for c in path):
        raise HandinRefused([f"“{raw!r}” contains control characters; rename the file."])
    cleaned = posixpath.join(*parts)
    if len(cleaned) > MAX_PATH_CHARS:
        raise HandinRefused([f"“{cleaned[:60]}…” is longer than {MAX_PATH_CHARS} characters."])
    return cleaned


def _is_junk(path: str) -> bool:
    parts = path.split("/")
    return parts[-1] in JUNK_NAMES or any(p in JUNK_DIRS for p in parts[:-1])


def check_files(files: dict[str, bytes], limits: HandinLimits) -> list[str]:
    """Problems with a candidate set of files against the byte and count limits."""
    problems = []
    if not files:
        problems.append("The hand-in has no files. Choose your project's files (or one zip of them) and try again.")
    if len(files) > limits.max_files:
        problems.append(f"The hand-in has {len(files)} files; at most {limits.max_files} are accepted.")
    for path, data in sorted(files.items()):
        if len(data) > limits.max_file_bytes:
            problems.append(f"{path} is {_kb(len(data))}; a file may be at most {_kb(limits.max_file_bytes)}.")
    total = sum(len(d) for d in files.values())
    if total > limits.max_total_bytes:
        problems.append(f"The files add up to {_kb(total)}; a hand-in may be at most {_kb(limits.max_total_bytes)}.")
    return problems


def read_zip(data: bytes, limits: HandinLimits) -> dict[str, bytes]:
    """The zip's regular files by safe path. Refuses absolute or '..' paths, links, too many
    or too large members, and members whose declared or real size gives them away as a zip
    bomb; reads each member with a cap, so a lying header cannot inflate past the limit."""
    if len(data) > MAX_ZIP_BYTES:
        raise HandinRefused([f"The zip is {_kb(len(data))}; at most {_kb(MAX_ZIP_BYTES)} is accepted."])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise HandinRefused(
            [
                "This file is not a zip archive we can read. Make it again with your system's "
                "“compress” command, or upload the files themselves."
            ]
        ) from None
    if len(members) > limits.max_files * 2:  # directories count too; junk is dropped later
        raise HandinRefused([f"The zip has {len(members)} entries; at most {limits.max_files} files are accepted."])
    files: dict[str, bytes] = {}
    declared_total = 0
    for info in members:
        if info.is_dir():
            continue
        path = clean_path(info.filename)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise HandinRefused([f"{path} is a symbolic link; hand in the file itself."])
        if _is_junk(path):
            continue
        if info.file_size > limits.max_file_bytes:
            raise HandinRefused(
                [f"{path} would be {_kb(info.file_size)} unpacked; a file may be at most {_kb(limits.max_file_bytes)}."]
            )
        if info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
            raise HandinRefused(
                [
                    f"{path} inflates {info.file_size // info.compress_size} times over: the zip "
                    "looks like a zip bomb and was refused. Zip your plain project files instead."
                ]
            )
        declared_total += info.file_size
        if declared_total > limits.max_total_bytes:
            raise HandinRefused(
                [
                    f"The zip unpacks to more than {_kb(limits.max_total_bytes)}; "
                    f"a hand-in may be at most {_kb(limits.max_total_bytes)}."
                ]
            )
        if path in files:
            raise HandinRefused([f"The zip holds {path} twice."])
        try:
            with archive.open(info) as member:
                content = member.read(limits.max_file_bytes + 1)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
            raise HandinRefused([f"{path} could not be unpacked ({exc}); it may be encrypted or damaged."]) from None
        if len(content) > limits.max_file_bytes:
            raise HandinRefused([f"{path} unpacks to more than its header says: the zip was refused as unsafe."])
        files[path] = content
    return strip_common_folder(files)


def strip_common_folder(files: dict[str, bytes]) -> dict[str, bytes]:
    """Zipping a folder puts every file under that folder's name; the brief's paths are
    relative to it, so one folder shared by every file is taken off."""
    firsts = {p.split("/", 1)[0] for p in files}
    if len(firsts) == 1 and all("/" in p for p in files):
        return {p.split("/", 1)[1]: d for p, d in files.items()}
    return files


def read_uploads(uploads: list, relative_paths: list[str], limits: HandinLimits) -> dict[str, bytes]:
    """Files from a multi-file or folder upload. ``relative_paths`` (sent by the page's script
    for a folder) keep sub-folders; without them each file keeps its own name. One zip alone
    is unpacked."""
    if len(uploads) == 1 and uploads[0].name.lower().endswith(".zip"):
        upload = uploads[0]
        if upload.size > MAX_ZIP_BYTES:
            raise HandinRefused([f"The zip is {_kb(upload.size)}; at most {_kb(MAX_ZIP_BYTES)} is accepted."])
        return read_zip(upload.read(), limits)
    if len(uploads) > limits.max_files:
        raise HandinRefused([f"You chose {len(uploads)} files; at most {limits.max_files} are accepted."])
    files: dict[str, bytes] = {}
    for i, upload in enumerate(uploads):
        raw = relative_paths[i] if i < len(relative_paths) and relative_paths[i] else upload.name
        path = clean_path(raw)
        if _is_junk(path):
            continue
        if upload.size > limits.max_file_bytes:
            raise HandinRefused([f"{path} is {_kb(upload.size)}; a file may be at most {_kb(limits.max_file_bytes)}."])
        files[path] = upload.read()
    return strip_common_folder(files) if relative_paths else files


def next_version(learner, project: Project) -> int:
    top = Handin.objects.filter(learner=learner, project=project).aggregate(top=Max("version"))["top"]
    return (top or 0) + 1


def save_handin(
    learner,
    project: Project,
    files: dict[str, bytes],
    *,
    source: str,
    client_token=None,
    check=None,
    limits: HandinLimits | None = None,
    graded: bool = True,
) -> Handin:
    """Keep ``files`` as the learner's next version and queue its grading once committed.
    The same ``client_token`` twice returns the first hand-in. Raises HandinRefused (and
    saves nothing) when a limit or the project's own hand-in check fails."""
    # The project's own check (required files...) only once the site's limits hold, so one
    # oversized file is not reported twice in two wordings.
    problems = check_files(files, limits or HandinLimits())
    if not problems and check is not None:
        problems = list(check(files))
    if problems:
        raise HandinRefused(problems)
    token = client_token or uuid.uuid4()
    existing = Handin.objects.filter(learner=learner, client_token=token).first()
    if existing:
        return existing
    status = Handin.Status.QUEUED if graded else Handin.Status.UNGRADED
    for _ in range(3):  # two hand-ins racing for one version number: the loser takes the next
        try:
            with transaction.atomic():
                handin = Handin.objects.create(
                    learner=learner,
                    project=project,
                    version=next_version(learner, project),
                    client_token=token,
                    source=source,
                    total_bytes=sum(len(d) for d in files.values()),
                    status=status,
                )
                HandinFile.objects.bulk_create(
                    HandinFile(handin=handin, path=p, content=d, size=len(d)) for p, d in sorted(files.items())
                )
                if graded:
                    from apps.projects.grading import enqueue_handin

                    transaction.on_commit(lambda pk=handin.pk: enqueue_handin(pk))
            return handin
        except IntegrityError:
            existing = Handin.objects.filter(learner=learner, client_token=token).first()
            if existing:
                return existing
    raise HandinRefused(["Another hand-in was being saved at the same moment; send this one again."])


def read_handin_files(handin: Handin) -> dict[str, bytes]:
    return {f.path: bytes(f.content) for f in handin.files.all()}


def edit_files(
    previous: dict[str, bytes], edits: dict[str, str], deleted: set[str], added: dict[str, str]
) -> dict[str, bytes]:
    """The editor's new version: the previous files with text edits, deletions and new
    files applied. Binary files it does not show pass through unchanged."""
    files = dict(previous)
    for path, text in edits.items():
        if path in files:
            files[path] = text.replace("\r\n", "\n").encode("utf-8")
    for path in deleted:
        files.pop(path, None)
    for raw, text in added.items():
        path = clean_path(raw)
        if _is_junk(path):
            continue
        files[path] = text.replace("\r\n", "\n").encode("utf-8")
    return files


def zip_handin(handin: Handin) -> bytes:
    """The hand-in as a zip under a folder named after project and version."""
    out = io.BytesIO()
    folder = f"{handin.project.key}-v{handin.version}"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in handin.files.all():
            archive.writestr(f"{folder}/{f.path}", bytes(f.content))
    return out.getvalue()
