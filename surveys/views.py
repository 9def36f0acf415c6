from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cxapp.selectors import organisations_for_user

from .models import Upload


@login_required
def upload_list(request: HttpRequest) -> HttpResponse:
    uploads = Upload.objects.filter(organisation__in=organisations_for_user(request.user)).select_related("survey")
    return render(request, "surveys/upload_list.html", {"uploads": uploads[:100]})


@login_required
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = Upload.objects.filter(organisation__in=organisations_for_user(request.user), pk=upload_id).first()
    if upload is None:
        raise Http404("No such upload.")
    return render(request, "surveys/upload_detail.html", {"upload": upload})
