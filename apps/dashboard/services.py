from collections import defaultdict

from apps.accounts.models import Cohort
from apps.courses.models import Lesson, LessonCompletion, Module


def summarize_cohort_progress(cohort: Cohort) -> dict:
    """Learners × modules completion for one cohort, in a constant number of queries."""
    learners = list(cohort.learners.order_by("username"))
    modules = list(Module.objects.filter(retired=False))
    lessons = list(Lesson.objects.filter(retired=False).values("pk", "module_id"))
    module_of = {row["pk"]: row["module_id"] for row in lessons}
    totals = defaultdict(int)
    for row in lessons:
        totals[row["module_id"]] += 1
    done = defaultdict(lambda: defaultdict(int))
    last_activity = {}
    completions = LessonCompletion.objects.filter(user__in=learners, lesson_id__in=module_of).values_list(
        "user_id", "lesson_id", "completed_at"
    )
    for user_id, lesson_id, completed_at in completions:
        done[user_id][module_of[lesson_id]] += 1
        if user_id not in last_activity or completed_at > last_activity[user_id]:
            last_activity[user_id] = completed_at
    rows = []
    for learner in learners:
        cells = [{"module": m, "done": done[learner.pk][m.pk], "total": totals[m.pk]} for m in modules]
        total_done = sum(cell["done"] for cell in cells)
        rows.append(
            {
                "learner": learner,
                "cells": cells,
                "done": total_done,
                "percent": round(100 * total_done / len(lessons)) if lessons else 0,
                "last_activity": last_activity.get(learner.pk),
            }
        )
    return {"modules": modules, "rows": rows, "lesson_count": len(lessons)}
