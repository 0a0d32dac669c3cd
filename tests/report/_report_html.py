"""A small strict reader of the report's HTML for tests: tag balance, attributes, texts by element."""

from __future__ import annotations

from html.parser import HTMLParser

#: Elements without a closing tag (HTML living standard).
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: Elements whose end tag HTML lets the author omit; the report closes them anyway, so none is tolerated.


class ReportHTML(HTMLParser):
    """Parses the whole document; ``errors`` lists unbalanced tags, ``elements`` every start tag with attributes.

    ``texts[i]`` is the text directly inside ``elements[i]`` and its descendants (joined).
    """

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[list[str]] = []
        self.errors: list[str] = []
        self.doctype = ""
        self.feed(text)
        self.close()
        for tag, _ in self.stack:
            self.errors.append(f"<{tag}> never closed")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [a for a, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"<{tag}> repeats an attribute: {names}")
        self.elements.append((tag, dict(attrs)))
        self.texts.append([])
        if tag not in VOID:
            self.stack.append((tag, len(self.elements) - 1))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        self.texts.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            open_tag = self.stack[-1][0] if self.stack else "nothing"
            self.errors.append(f"</{tag}> closes <{open_tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for _, idx in self.stack:
            self.texts[idx].append(data)

    def find(self, tag: str, **attrs: str) -> list[int]:
        """Indexes of the elements ``tag`` whose attributes contain ``attrs`` (``class_`` matches one class)."""
        out = []
        for i, (t, a) in enumerate(self.elements):
            if t != tag:
                continue
            ok = True
            for k, v in attrs.items():
                if k == "class_":
                    ok &= v in (a.get("class") or "").split()
                else:
                    ok &= a.get(k) == v
            if ok:
                out.append(i)
        return out

    def text(self, i: int) -> str:
        return " ".join("".join(self.texts[i]).split())
