"""How a school's LMS knows each learner (``User.lms_user_id``, ``User.sis_user_id``), for
schools that import grades by CSV instead of LTI: typed in per learner, or uploaded as a
file. Both refuse the whole change when one row is wrong, naming every bad row, so a
half-applied roster never leaves some learners matched and others not."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import Cohort, User

MAX_ID_LENGTH = User._meta.get_field("lms_user_id").max_length
MAX_UPLOAD_BYTES = 1_000_000
FIELDS = {"lms_user_id": "LMS user id", "sis_user_id": "SIS user id"}
# Header spellings a file may use (compared lower-cased, spaces and underscores alike), so a
# roster exported from Canvas ("ID", "SIS User ID", "SIS Login ID") can be uploaded as it is.
ID_HEADERS = {
    "lms_user_id": {"lms user id", "lms id", "id", "canvas user id", "user id"},
    "sis_user_id": {"sis user id", "sis id", "student id"},
}
WHO_HEADERS = {"username": {"username", "login", "sis login id", "login id"}, "email": {"email", "e-mail"}}


class LmsIdsInvalid(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class LmsIdChange:
    learner: User
    lms_user_id: str
    sis_user_id: str


def _header_key(text: str) -> str:
    return " ".join(text.replace("_", " ").strip().lower().split())


def _check_changes(changes: list[LmsIdChange], where: dict[int, str]) -> list[str]:
    """Problems with ``changes``: too long, the same id for two learners, or an id that
    another account already carries (the LMS would then match one grade to two people)."""
    problems: list[str] = []
    for name, label in FIELDS.items():
        seen: dict[str, LmsIdChange] = {}
        for change in changes:
            value = getattr(change, name)
            if not value:
                continue
            if len(value) > MAX_ID_LENGTH:
                problems.append(f"{where[change.learner.pk]}: the {label} is longer than {MAX_ID_LENGTH} characters.")
                continue
            if value in seen and seen[value].learner.pk != change.learner.pk:
                other = seen[value].learner.username
                problems.append(f"{where[change.learner.pk]}: {label} “{value}” is also given to {other}.")
            seen.setdefault(value, change)
        if not seen:
            continue
        ours = {c.learner.pk for c in changes}
        taken = User.objects.filter(**{f"{name}__in": list(seen)}).exclude(pk__in=ours).values_list(name, "username")
        for value, username in taken:
            learner = seen[value].learner
            problems.append(f"{where[learner.pk]}: {label} “{value}” already belongs to the account {username}.")
    return problems


@transaction.atomic
def _save(changes: list[LmsIdChange]) -> int:
    saved = 0
    for change in changes:
        learner = change.learner
        if (learner.lms_user_id, learner.sis_user_id) == (change.lms_user_id, change.sis_user_id):
            continue
        learner.lms_user_id, learner.sis_user_id = change.lms_user_id, change.sis_user_id
        learner.save(update_fields=["lms_user_id", "sis_user_id"])
        saved += 1
    return saved


def update_lms_ids(cohort: Cohort, values: dict[int, tuple[str, str]]) -> int:
    """Set (LMS user id, SIS user id) per learner id of ``cohort`` (a blank value clears it);
    returns how many learners changed. Raises LmsIdsInvalid, saving nothing, on any problem."""
    learners = {u.pk: u for u in cohort.learners.filter(pk__in=list(values))}
    problems = [f"Learner #{pk} is not in this cohort." for pk in values if pk not in learners]
    changes = [
        LmsIdChange(learners[pk], lms.strip(), sis.strip()) for pk, (lms, sis) in values.items() if pk in learners
    ]
    problems += _check_changes(changes, {c.learner.pk: c.learner.username for c in changes})
    if problems:
        raise LmsIdsInvalid(problems)
    return _save(changes)


def _decode(data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise LmsIdsInvalid([f"The file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB; is it the right file?"])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LmsIdsInvalid(["The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."]) from None


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    keys = [_header_key(h) for h in header]
    who = {name: keys.index(h) for name, spellings in WHO_HEADERS.items() for h in spellings if h in keys}
    ids = {name: keys.index(h) for name, spellings in ID_HEADERS.items() for h in spellings if h in keys}
    problems = []
    if not who:
        problems.append("The first row must name a “username” or an “email” column to find each learner.")
    if not ids:
        problems.append("The first row must name an “lms_user_id” or a “sis_user_id” column (or Canvas's “ID”).")
    if problems:
        raise LmsIdsInvalid(problems)
    return who, ids


def import_lms_ids_csv(cohort: Cohort, data: bytes) -> int:
    """Fill learners' LMS and SIS ids from a CSV file (a header row, then one learner a row,
    found by username or e-mail among ``cohort``'s learners). A blank cell keeps the value the
    learner has. Returns how many learners changed; raises LmsIdsInvalid naming each bad row
    (by its line in the file) and saves nothing when any row is wrong."""
    rows = list(csv.reader(io.StringIO(_decode(data))))
    if not rows:
        raise LmsIdsInvalid(["The file is empty."])
    who, ids = _columns(rows[0])
    learners = list(cohort.learners.all())
    by_username = {u.username.lower(): u for u in learners}
    by_email: dict[str, list[User]] = {}
    for learner in learners:
        if learner.email:
            by_email.setdefault(learner.email.lower(), []).append(learner)
    problems: list[str] = []
    changes: dict[int, LmsIdChange] = {}
    where: dict[int, str] = {}
    for line, row in enumerate(rows[1:], start=2):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].lower() == "points possible":
            continue  # a blank line, or the points row of a Canvas gradebook export
        cells += [""] * (len(rows[0]) - len(cells))  # a short row's missing cells are blank
        username = cells[who["username"]].lower() if "username" in who else ""
        email = cells[who["email"]].lower() if "email" in who else ""
        found = by_username.get(username) if username else None
        if found is None and email:
            matches = by_email.get(email, [])
            if len(matches) > 1:
                problems.append(f"Line {line}: the e-mail “{email}” belongs to several learners; give the username.")
                continue
            found = matches[0] if matches else None
        if found is None:
            named = username or email or "(blank)"
            problems.append(f"Line {line}: no learner of {cohort.name} has the username or e-mail “{named}”.")
            continue
        if found.pk in changes:
            problems.append(f"Line {line}: {found.username} is already on {where[found.pk]}.")
            continue
        values = {name: cells[ids[name]] if name in ids else "" for name in FIELDS}
        changes[found.pk] = LmsIdChange(
            found, values["lms_user_id"] or found.lms_user_id, values["sis_user_id"] or found.sis_user_id
        )
        where[found.pk] = f"line {line}"
    problems += [p[0].upper() + p[1:] for p in _check_changes(list(changes.values()), where)]
    if problems:
        raise LmsIdsInvalid(problems)
    if not changes:
        raise LmsIdsInvalid(["The file has a header row but no learner rows."])
    return _save(list(changes.values()))
