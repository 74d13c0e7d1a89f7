"""Template helpers of the dashboards: a table's rows as the page renders them, dict lookup."""

from django import template

register = template.Library()


@register.simple_tag
def table_rows(table, link_template=""):
    return table.view_rows(link_template or "")


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def figure(value):
    """A number as the dashboards show it ("—" for no data)."""
    from tongban.insight.dashboard import display_value

    return display_value(value)


@register.filter
def unit(value):
    """An indicator's unit in the page's language ("%" stays; 件, 天, 次 are translated)."""
    from tongban.insight.dashboard import unit_label

    return unit_label(value)
