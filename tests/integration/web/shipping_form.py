"""Read an HTML form's fields as a browser would submit them (inputs, checked boxes and radios, selected
options, textareas), for the admin shipping form tests."""

from __future__ import annotations

import html
import re


def form_fields(page: str, form_id: str = "shipping-form") -> dict[str, str | list[str]]:
    """Field → value; a name ticked on several checkboxes → the list of their values."""
    start = page.index(f'id="{form_id}"')
    body = page[start : page.index("</form>", start)]
    out: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<input\b[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        value = re.search(r'value="([^"]*)"', tag)
        if kind in ("checkbox", "radio"):
            if " checked" in tag:
                v = html.unescape(value.group(1)) if value else "on"
                prior = out.get(name.group(1))
                out[name.group(1)] = v if prior is None else [*([prior] if isinstance(prior, str) else prior), v]
            continue
        out[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, inner in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', inner) or re.search(r'<option value="([^"]*)"', inner)
        out[name] = html.unescape(chosen.group(1)) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S):
        out[name] = html.unescape(text)
    return out
