from django import template

from apps.core.markdown import markdown_to_safe_html

register = template.Library()


@register.filter
def markdown(text):
    return markdown_to_safe_html(text)
