from django.shortcuts import get_object_or_404, render

from reference.models import Person


def person(request, pk: int):
    return render(request, "person.html", {"person": get_object_or_404(Person, pk=pk)})
