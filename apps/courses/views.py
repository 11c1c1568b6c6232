from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.courses.models import Lesson, LessonCompletion, Module, Phase, Project
from apps.courses.rendering import render_markdown
from apps.courses.services import combine_progress, mark_lesson_done, mark_lesson_not_done, summarize_progress
from apps.grading.practice import describe_items, find_practice_states, summarize_practice


def course_map(request):
    phases = Phase.objects.prefetch_related("weeks").all()
    lessons = list(Lesson.objects.filter(retired=False).select_related("module", "week"))
    projects = list(Project.objects.filter(retired=False).select_related("week"))
    done_ids = set()
    if request.user.is_authenticated:
        done_ids = set(LessonCompletion.objects.filter(user=request.user).values_list("lesson_id", flat=True))
    weeks = []
    for phase in phases:
        for week in phase.weeks.all():
            weeks.append(
                {
                    "week": week,
                    "phase": phase,
                    "lessons": [lesson for lesson in lessons if lesson.week_id == week.pk],
                    "projects": [p for p in projects if p.week_id == week.pk],
                }
            )
    practice = summarize_practice(request.user)
    for lesson in lessons:  # "2 of 3 passed" beside each lesson
        lesson.practice = practice.by_lesson.get(lesson.pk)
    modules = Module.objects.filter(retired=False)
    context = {
        "practice": practice,
        "phases": phases,
        "weeks": weeks,
        "modules": modules,
        "done_ids": done_ids,
        "done_count": len(done_ids & {lesson.pk for lesson in lessons}),
        "lesson_count": len(lessons),
    }
    return render(request, "courses/map.html", context)


def lesson_detail(request, key: str):
    lesson = get_object_or_404(Lesson.objects.select_related("module", "week"), key=key, retired=False)
    siblings = list(Lesson.objects.filter(retired=False).select_related("module").only("key", "title", "module"))
    index = next(i for i, item in enumerate(siblings) if item.pk == lesson.pk)
    rendered = render_markdown(lesson.body)
    done = request.user.is_authenticated and LessonCompletion.objects.filter(user=request.user, lesson=lesson).exists()
    context = {
        "lesson": lesson,
        "html": rendered.html,
        "toc": rendered.toc,
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        "done": done,
        "practice": _lesson_practice(request.user, lesson),
    }
    return render(request, "courses/lesson.html", context)


def _lesson_practice(user, lesson: Lesson) -> list[dict]:
    items = list(lesson.labs.filter(retired=False))
    return describe_items(items, find_practice_states(user, items))


@login_required
@require_POST
def lesson_mark(request, key: str):
    """Mark a lesson done or not done. htmx swaps in the new button; without JavaScript
    the form posts normally and we redirect back to the lesson."""
    lesson = get_object_or_404(Lesson, key=key, retired=False)
    done = request.POST.get("done", "1") == "1"
    if done:
        mark_lesson_done(request.user, lesson)
    else:
        mark_lesson_not_done(request.user, lesson)
    if request.htmx:
        return render(request, "courses/_done_button.html", {"lesson": lesson, "done": done})
    return redirect("courses:lesson", key=lesson.key)


def project_detail(request, key: str):
    project = get_object_or_404(Project.objects.select_related("week"), key=key, retired=False)
    rendered = render_markdown(project.body)
    context = {"project": project, "html": rendered.html, "toc": rendered.toc, "grades": []}
    if request.user.is_authenticated:
        from apps.dashboard.models import ProjectGrade  # instructors' grades, read-only here

        context["grades"] = ProjectGrade.objects.filter(learner=request.user, project=project).select_related(
            "cohort", "graded_by"
        )
    from apps.projects.services import project_page_context  # hand-ins, milestones, rubric feedback

    context.update(project_page_context(request.user, project))
    return render(request, "courses/project.html", context)


@login_required
def my_progress(request):
    progress = summarize_progress(request.user)
    practice = summarize_practice(request.user)
    for row in progress["modules"]:
        row["practice"] = practice.by_module.get(row["module"].pk)
    cohorts = request.user.cohorts.select_related("instructor")
    context = {
        "progress": progress,
        "practice": practice,
        "overall_percent": combine_progress(progress, practice),
        "cohorts": cohorts,
    }
    return render(request, "courses/progress.html", context)
