"""Playground pages: open a session on a lesson's example or a lab's seed, then run, explain
and reset in it. Thin: every decision is in ``services``; a session is found by its token
*and* its owner, so another learner's token is a 404."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from apps.courses.models import Lab, Lesson
from apps.grading.plans import build_plan_view
from apps.playground import services
from apps.playground.diagram import draw_schema
from apps.playground.models import PlaygroundSession
from labs.playground.common import PlaygroundError
from labs.playground.mongo import EMULATED_NOTE


def _own_session(request, token: str) -> PlaygroundSession:
    session = get_object_or_404(PlaygroundSession, token=token, owner=request.user)
    session.owner = request.user  # already loaded: no second query for it
    return session


@login_required
def lesson_playground(request, key: str):
    lesson = get_object_or_404(Lesson, key=key)
    try:
        number = int(request.GET.get("block", "1"))
        session, code = services.open_lesson_playground(request.user, lesson, number)
    except (ValueError, services.NotPlayable) as exc:
        raise Http404(str(exc)) from None
    url = reverse("playground:session", args=[session.token])
    return redirect(f"{url}?{urlencode({'example': number})}")


@login_required
def lab_playground(request, key: str):
    lab = get_object_or_404(Lab, key=key, retired=False)
    try:
        session = services.open_lab_playground(request.user, lab)
    except services.NotPlayable as exc:
        raise Http404(str(exc)) from None
    return redirect("playground:session", token=session.token)


@login_required
def session_page(request, token: str):
    session = _own_session(request, token)
    kind, _, rest = session.target.partition(":")
    code, back = "", None
    if kind == "lesson":
        key, _, number = rest.rpartition(":")
        lesson = get_object_or_404(Lesson, key=key)
        code = services.lesson_dataset(lesson, int(number))[1]
        back = (reverse("courses:lesson", args=[key]), lesson.title)
    else:
        lab = get_object_or_404(Lab, key=rest)
        back = (reverse("grading:lab", args=[rest]), lab.title)
        code = _lab_example(session.engine, services.lab_dataset(lab))
    context = {
        "session": session,
        "code": code,
        "back_url": back[0],
        "back_title": back[1],
        "language": services.EDITOR_LANGUAGE.get(session.engine, "sql"),
        "emulated_note": EMULATED_NOTE if session.engine == "mongo" else "",
        "explainable": session.engine in ("postgres", "mariadb"),
        "ttl_minutes": services.ttl_seconds() // 60,
    }
    return render(request, "playground/session.html", context)


def _lab_example(engine: str, dataset) -> str:
    """A first query for the editor: what tables (keys, collections) are there."""
    if engine == "mongo":
        import json

        try:
            collections = list(json.loads(dataset.scripts[0]).get("collections", {}))
        except (ValueError, AttributeError, IndexError):
            collections = []
        if collections:
            return json.dumps({"collection": collections[0], "find": {}, "limit": 10}) + "\n"
    return {
        "postgres": "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public';\n",
        "mariadb": "SHOW TABLES;\n",
        "redis": "SCAN 0 COUNT 20\n",
        "mongo": '{"collection": "", "find": {}, "limit": 10}\n',
    }.get(engine, "")


@login_required
@require_POST
def run(request, token: str):
    session = _own_session(request, token)
    text = request.POST.get("text", "")
    explain = request.POST.get("action") == "explain"
    try:
        result = services.run_in_session(session, text, explain=explain)
    except services.RateLimited as exc:
        response = render(request, "playground/_message.html", {"message": exc.message}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except PlaygroundError as exc:
        return render(request, "playground/_message.html", {"message": _unavailable(exc)}, status=503)
    # the site's plan tree (apps.grading.plans) when it can read the plan, else the raw text
    drawn = bool(result.get("plan")) and build_plan_view(result["plan"]) is not None
    context = {"result": result, "explain": explain, "session": session, "plan_drawn": drawn}
    return render(request, "playground/_result.html", context)


@login_required
@require_POST
def reset(request, token: str):
    session = _own_session(request, token)
    try:
        services.reset_session(session)
    except PlaygroundError as exc:
        return render(request, "playground/_message.html", {"message": _unavailable(exc)}, status=503)
    if request.htmx:
        return render(request, "playground/_message.html", {"message": "Your data is back to where it started."})
    return redirect("playground:session", token=session.token)


@login_required
def schema(request, token: str):
    session = _own_session(request, token)
    try:
        described = services.read_schema(session)
    except PlaygroundError as exc:
        return render(request, "playground/_message.html", {"message": _unavailable(exc)}, status=503)
    # table -> column names, for the editor's completion (read by static/js/playground.js)
    completion = {t["name"]: [c["name"] for c in t["columns"]] for t in described.get("tables", [])}
    diagram = draw_schema(described) if described.get("kind") is None else ""
    context = {"schema": described, "diagram": diagram, "session": session, "completion_json": json.dumps(completion)}
    return render(request, "playground/_schema.html", context)


def _unavailable(exc: PlaygroundError) -> str:
    return f"The playground could not answer: {exc}. Try again in a moment; your lesson and labs are not affected."
