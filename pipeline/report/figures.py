"""The report's building blocks: escaped text, and matplotlib figures as inline SVG (so the
page needs no files beside it and no network)."""

from __future__ import annotations

import html
import io
from typing import Any


def escape(value: Any) -> str:
    return html.escape(str(value))


def _svg(figure: Any) -> str:
    """The figure as inline SVG (closed afterwards, so a long report does not pile them up)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def figure(title: str, caption: str, draw: Any) -> str:
    """One captioned plot: ``draw`` gets the axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    drawn, axes = plt.subplots(figsize=(5.2, 3.4))
    draw(axes)
    axes.set_title(title)
    axes.grid(alpha=0.3)
    return f'<figure class="plot">{_svg(drawn)}<figcaption>{escape(caption)}</figcaption></figure>'
