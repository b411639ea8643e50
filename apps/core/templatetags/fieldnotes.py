from django import template

from apps.core.feedback import unsent_take
from apps.core.markdown import markdown_to_safe_html

register = template.Library()


@register.filter
def markdown(text):
    return markdown_to_safe_html(text)


@register.simple_tag(takes_context=True)
def unsent(context, *key_parts) -> str:
    """What the person wrote (under the key `part:part…`) before a refusal sent them
    back here (core.feedback.unsent_keep), to put back in the field."""
    request = context.get("request")
    key = ":".join(str(part) for part in key_parts)
    return unsent_take(request, key) if request is not None else ""
