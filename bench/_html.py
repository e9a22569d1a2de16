"""Read a page the way a browser would: the subresources it fetches, the URLs that leave the host, the form it posts."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# <link rel=...> values a browser fetches while loading the page.
_FETCHED_LINKS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "manifest",
    "prefetch",
}
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""", re.I)
_SCRIPT_URL = re.compile(r"""https?://[A-Za-z0-9][A-Za-z0-9.-]*[^\s"'<>)]*""")


class PageScan(HTMLParser):
    """Subresources (in document order, as a browser requests them) and every URL-bearing value of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.subresources: list[str] = []
        self.urls: list[str] = []  # every URL in an attribute, CSS or script string (not xmlns namespaces)
        self.icon = False  # a <link rel=icon>: the browser then does not ask for /favicon.ico
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and values.get("src"):
            self.subresources.append(values["src"])
        elif tag == "link" and values.get("href"):
            rel = set(values.get("rel", "").lower().split())
            if rel & _FETCHED_LINKS:
                self.subresources.append(values["href"])
            self.icon = self.icon or "icon" in rel
        elif tag in {"img", "source", "audio", "video", "iframe", "embed", "track"} or (
            tag == "input" and values.get("type") == "image"
        ):
            for name in ("src", "poster"):
                if values.get(name):
                    self.subresources.append(values[name])
            if values.get("srcset"):
                self.subresources.extend(
                    part.split()[0] for part in values["srcset"].split(",") if part.strip()
                )
        elif tag == "object" and values.get("data"):
            self.subresources.append(values["data"])
        for name, value in values.items():
            if name.startswith("xmlns") or not value:
                continue
            if name == "style":
                self._css(value)
            elif name in {"src", "href", "action", "formaction", "poster", "data", "srcset", "cite"} or (
                name.startswith("hx-") and name[3:] in {"get", "post", "put", "patch", "delete"}
            ):
                self.urls.append(value)
            else:
                self.urls.extend(_SCRIPT_URL.findall(value))
        self._in = tag if tag in {"style", "script"} else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self._css(data)
        elif self._in == "script":
            self.urls.extend(_SCRIPT_URL.findall(data))

    def _css(self, text: str) -> None:
        found = _CSS_URL.findall(text) + _CSS_IMPORT.findall(text)
        self.subresources.extend(url for url in found if not url.startswith("data:"))
        self.urls.extend(found)


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def other_hosts(page_url: str, urls: list[str]) -> list[str]:
    """The URLs (resolved against ``page_url``) that point at a host other than the page's."""
    own = urlsplit(page_url).netloc
    found = []
    for url in urls:
        if url.startswith(("data:", "javascript:", "mailto:", "tel:", "#")):
            continue
        resolved = urlsplit(urljoin(page_url, url))
        if resolved.scheme in {"http", "https", "ws", "wss"} and resolved.netloc != own:
            found.append(url)
    return found


class FormSerializer(HTMLParser):
    """The fields the page's first ``<form>`` posts, as a browser builds them (disabled fieldsets left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False
        self._disabled: list[bool] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None

    def _off(self) -> bool:
        return any(self._disabled)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done:
            self._in_form = True
            return
        if not self._in_form:
            return
        disabled = "disabled" in values
        if tag == "fieldset":
            self._disabled.append(disabled)
        elif tag == "input" and values.get("name") and not disabled and not self._off():
            kind = values.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"radio", "checkbox"}:
                if "checked" in values:
                    self.fields.append((values["name"], values.get("value", "on")))
            else:
                self.fields.append((values["name"], values.get("value", "")))
        elif tag == "textarea" and values.get("name") and not disabled and not self._off():
            self._textarea = values["name"]
            self.fields.append((self._textarea, ""))
        elif tag == "select" and values.get("name") and not disabled and not self._off():
            self._select, self._select_value, self._select_first = values["name"], None, None
        elif tag == "option" and self._select is not None:
            value = values.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in values:
                self._select_value = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields[-1]
            self.fields[-1] = (name, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._in_form:
            self._in_form, self._done = False, True
        elif tag == "fieldset" and self._disabled:
            self._disabled.pop()
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_value if self._select_value is not None else self._select_first
            self.fields.append((self._select, chosen or ""))
            self._select = None


def form_fields(html: str) -> list[tuple[str, str]]:
    parser = FormSerializer()
    parser.feed(html)
    parser.close()
    return parser.fields
