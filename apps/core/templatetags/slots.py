"""`{% slot "app.place" obj %}`: what an app further right shows here (apps/core/slots.py)."""

from django import template

from apps.core.slots import slot_render

register = template.Library()


@register.simple_tag(takes_context=True)
def slot(context, name: str, obj=None):
    return slot_render(name, request=context.get("request"), obj=obj)
