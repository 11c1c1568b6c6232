from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.ops import services


@staff_member_required
def status(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "ops/status.html",
        {
            "queue": services.read_queue_state(),
            "workers": services.list_workers(),
            "faults": services.list_recent_faults(),
        },
    )
