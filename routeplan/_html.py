"""User text in the HTML maps: one escaper, and page parts that are never compiled as templates.

branca (under folium) compiles HTML and JavaScript as Jinja *source* in two places: ``Element(template)``
compiles its argument, and ``MacroElement.render`` (like folium's ``Popup.render``) wraps the output of every
element in such an ``Element`` and so compiles it a second time when the page is rendered. Text from input
files inside a ``folium.Element``, a popup, a tooltip or a layer name was therefore run as template code
(``{{ 7*7 }}`` became ``49``, ``{#`` aborted the run, Jinja's globals reached ``os``). Here:

* :func:`escape` is the project's one HTML escaper for map pages (``maps.E``). Besides ``& < > " '`` it writes
  the backslash, the backtick, ``$``, ``{`` and ``}`` as character references, so its output can close no
  HTML element or attribute, no JavaScript string or template literal, and holds no Jinja delimiter.
* :class:`Raw` is a page part whose rendered text is exactly the text it was given, never compiled.
* :class:`DataMacro` is a ``MacroElement`` whose rendered macros are added to the page as :class:`Raw`, so
  what its template takes from ``this.<field>`` is rendered once, as data.
* :class:`BindText` binds escaped popup or tooltip HTML to its parent layer as a JSON string literal
  (instead of folium's ``Popup``/``Tooltip``, which place it in a JavaScript template literal and compile it
  again).

Briefing pages are rendered by Jinja from the template files in ``templates/`` with autoescape on; user
text only ever reaches them as variables.
"""

from __future__ import annotations

import html
import json
from typing import Any

from branca.element import Element, MacroElement
from jinja2 import Template

_MORE = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;",
                       "\u2028": "&#8232;", "\u2029": "&#8233;"})


def escape(text: Any) -> str:
    """Escape text for HTML in a map page (element text, attribute values, inside JS strings and literals).

    Besides ``& < > " '`` (``html.escape``) this writes ``\\``, `````, ``$``, ``{``, ``}`` and the line
    separators U+2028/U+2029 as character references: the result cannot end a JavaScript string or template
    literal, start a ``${...}`` substitution, or be read as Jinja syntax by a library that compiles page
    parts as templates.
    """
    return html.escape(str(text), quote=True).translate(_MORE)


def js_string(text: str) -> str:
    """``text`` as a JavaScript string literal that is safe inside ``<script>``: JSON with ``<`` and ``>`` (so no
    ``</script>`` or ``<!--``) and the line separators U+2028/U+2029 written as ``\\u`` escapes."""
    return (json.dumps(text, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class Raw(Element):
    """A fixed part of a page (HTML in the header or body, or a script): rendered as given, never compiled.

    Its text must already be safe where it goes: build it with :func:`escape` (HTML) or :func:`js_string`.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Raw"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        return self.text


class DataMacro(MacroElement):
    """A ``MacroElement`` whose ``header``/``html``/``script`` macros are rendered once and added as :class:`Raw`.

    branca's ``MacroElement.render`` compiles the macros' output again as a template; this one does not, so
    values its template takes from ``this`` stay data. Give it only values that are safe where they go.
    """

    # branca types Element.render as returning str; MacroElement.render (overridden here) returns None
    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        figure = self.get_root()
        for part in ("header", "html", "script"):
            macro = self._template.module.__dict__.get(part)
            if macro is not None:
                getattr(figure, part).add_child(Raw(str(macro(self, kwargs))), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)


class BindText(DataMacro):
    """A popup or tooltip of its parent layer with fixed HTML (user text in it escaped with :func:`escape`).

    The HTML is passed to Leaflet as a JSON string literal; a popup's content is parsed through a
    ``<template>`` element (inert: scripts in it never run) into one ``<div>``.
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "{{ this._parent.get_name() }}.{{ this.method }}({{ this.content }}, {{ this.options }});\n"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str, kind: str = "popup", **options: Any) -> None:
        super().__init__()
        if kind not in ("popup", "tooltip"):
            raise ValueError(f"kind must be 'popup' or 'tooltip', got {kind!r}")
        self._name = "BindText"
        literal = js_string(f"<div>{html_text}</div>")
        if kind == "popup":
            self.method = "bindPopup"
            self.content = ("(function (h) { var t = document.createElement('template'); t.innerHTML = h; "
                            f"return t.content.firstElementChild; }})({literal})")
        else:
            self.method = "bindTooltip"
            self.content = literal
            options.setdefault("sticky", True)
        self.options = json.dumps(options, sort_keys=True)


def popup(html_text: str, max_width: int = 300) -> BindText:
    """A popup with fixed HTML; add it to a layer (``layer.add_child(popup(...))``)."""
    return BindText(html_text, "popup", maxWidth=max_width)


def tooltip(html_text: str) -> BindText:
    """A sticky tooltip with fixed HTML; add it to a layer."""
    return BindText(html_text, "tooltip")
