"""The learner's side of projects: hand in by upload or zip, edit a new version in the
browser, follow its grading, download any version. Thin: the logic is in the services."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from apps.courses.models import Project
from apps.projects import handins as handin_services
from apps.projects.handins import MAX_TOTAL_BYTES, MAX_ZIP_BYTES, HandinRefused
from apps.projects.models import Handin
from apps.projects.services import is_late, list_learner_deadlines
from apps.projects.specs import has_grading, project_checks

# What one upload may carry in all: the larger of a hand-in and its zip, with room for the
# multipart framing. Past it, bytes are discarded as they arrive (UploadCap).
UPLOAD_CAP = max(MAX_TOTAL_BYTES, MAX_ZIP_BYTES) + 1_000_000


def _project(key: str) -> Project:
    return get_object_or_404(Project, key=key, retired=False)


def _own_handin(request, key: str, version: int) -> Handin:
    """The learner's own version; anyone else's is a 404, never a 403 that confirms it exists."""
    return get_object_or_404(
        Handin.objects.select_related("project"), learner=request.user, project__key=key, version=version
    )


def _refuse(request, project: Project, problems: list[str]):
    for problem in problems:
        messages.error(request, problem)
    messages.info(request, "Nothing was handed in; your previous version is unchanged.")
    return redirect(f"{project_url(project)}#handin")


def project_url(project: Project) -> str:
    from django.urls import reverse

    return reverse("courses:project", args=[project.key])


def _save(request, project: Project, files: dict[str, bytes], source: str):
    limits, check = project_checks(project)
    try:
        handin = handin_services.save_handin(
            request.user,
            project,
            files,
            source=source,
            client_token=_token(request),
            check=check,
            limits=limits,
            graded=has_grading(project),
        )
    except HandinRefused as exc:
        return _refuse(request, project, exc.problems)
    messages.success(request, f"Handed in version {handin.version} ({len(files)} files).")
    return redirect("projects:handin", key=project.key, version=handin.version)


def _token(request):
    try:
        return uuid.UUID(request.POST.get("client_token", ""))
    except ValueError:
        return None


class UploadCap(FileUploadHandler):
    """Stops keeping uploaded bytes past the site's cap, so a huge upload is read and thrown
    away rather than written to the server's disk; the view then refuses it in words."""

    def __init__(self, request=None, cap: int = UPLOAD_CAP):
        super().__init__(request)
        self.cap, self.seen, self.exceeded = cap, 0, False

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.cap:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # the CSRF check reads the body: the cap must be in place first, then CSRF runs
def handin_upload(request, key: str):
    cap = UploadCap(request)
    request.upload_handlers.insert(0, cap)
    return _handin_upload(request, key, cap)


@csrf_protect
@login_required
@require_POST
def _handin_upload(request, key: str, cap: UploadCap):
    project = _project(key)
    limits, _ = project_checks(project)
    too_big = [
        f"The upload is over {UPLOAD_CAP // 1_000_000} MB, more than a hand-in may be. "
        "Hand in only the files the brief lists (no data dumps or .git folders), or zip them."
    ]
    try:
        uploads = request.FILES.getlist("files")
        relative = json.loads(request.POST.get("relative_paths") or "[]")
    except (RequestDataTooBig, TooManyFilesSent):
        return _refuse(request, project, too_big)
    except ValueError:
        relative = []
    if cap.exceeded:
        return _refuse(request, project, too_big)
    if not isinstance(relative, list) or not all(isinstance(p, str) for p in relative):
        relative = []
    try:
        files = handin_services.read_uploads(uploads, relative, limits)
    except HandinRefused as exc:
        return _refuse(request, project, exc.problems)
    source = "zip" if len(uploads) == 1 and uploads[0].name.lower().endswith(".zip") else "upload"
    return _save(request, project, files, source)


@login_required
@require_http_methods(["GET", "POST"])
def handin_editor(request, key: str):
    project = _project(key)
    previous = Handin.objects.filter(learner=request.user, project=project).order_by("-version").first()
    files = list(previous.files.all()) if previous else []
    if request.method == "POST":
        # Only files the editor showed as text come back as text; a binary file has no
        # textarea and passes through untouched.
        edits = {
            request.POST[f"path-{i}"]: request.POST[f"file-{i}"]
            for i in range(len(files))
            if f"path-{i}" in request.POST and f"file-{i}" in request.POST
        }
        deleted = set(request.POST.getlist("delete"))
        added = {}
        new_path = request.POST.get("new_path", "").strip()
        if new_path:
            added[new_path] = request.POST.get("new_content", "")
        try:
            result = handin_services.edit_files(
                handin_services.read_handin_files(previous) if previous else {}, edits, deleted, added
            )
        except HandinRefused as exc:
            return _refuse(request, project, exc.problems)
        return _save(request, project, result, "editor")
    rows = [{"index": i, "path": f.path, "text": f.text(), "size": f.size} for i, f in enumerate(files)]
    return render(
        request, "projects/editor.html", {"project": project, "previous": previous, "rows": rows, "token": uuid.uuid4()}
    )


@login_required
def handin_detail(request, key: str, version: int):
    handin = _own_handin(request, key, version)
    deadlines = list_learner_deadlines(request.user, handin.project)
    context = {
        "project": handin.project,
        "handin": handin,
        "files": handin.files.all(),
        "late": any(is_late(handin, d) for d in deadlines),
    }
    if request.htmx:
        return render(request, "projects/_handin_result.html", context)
    return render(request, "projects/handin.html", context)


def zip_response(handin: Handin) -> HttpResponse:
    response = HttpResponse(handin_services.zip_handin(handin), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{handin.project.key}-v{handin.version}.zip"'
    return response


@login_required
def handin_download(request, key: str, version: int):
    return zip_response(_own_handin(request, key, version))
