from django.http import HttpResponse, JsonResponse


def index(request):
    return JsonResponse({"app": "reference"})


def health(request):
    return HttpResponse("ok", content_type="text/plain")


def fail(request):
    """Fails on demand, for error-rate and SLO tests: /fail/?status=503 answers 503 (default 500)."""
    status = int(request.GET.get("status", "500"))
    return HttpResponse(f"failing with {status}", status=status, content_type="text/plain")
