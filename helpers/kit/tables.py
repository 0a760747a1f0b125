"""Tables as a learner reads them in JupyterLab: every word of a reason shown (wrapped, never cut with "..."), short
values kept on one line, and a plain-text form that is the table itself (the same from run to run).

pandas cuts any text longer than ``display.max_colwidth`` (50 characters) in a DataFrame's HTML; a Styler does
not, so the kit's tables are :class:`Table` objects: a Styler whose ``repr`` is the whole table as text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Long free text (reasons, descriptions) wraps within this width; everything else stays on one line.
WRAP = {"white-space": "normal", "text-align": "left", "min-width": "12em", "max-width": "32em",
        "overflow-wrap": "anywhere"}
NOWRAP = {"white-space": "nowrap"}


@lru_cache(maxsize=None)
def _styler_class():
    from pandas.io.formats.style import Styler  # pandas loads on first use: `import helpers` stays light

    class Table(Styler):
        """A pandas Styler whose text form (``repr``, what a terminal or a diff sees) is the whole table, uncut."""

        def __repr__(self) -> str:
            import pandas as pd

            with pd.option_context("display.max_colwidth", None, "display.width", 250, "display.max_columns", None):
                return self.data.to_string(index=not any(getattr(self, "hide_index_", [False])))

    return Table


def table(frame, wrap: list[str] | tuple[str, ...] = (), fold: list[str] | tuple[str, ...] = (),
          caption: str | None = None) -> Any:
    """``frame`` as a :class:`Table`: ``wrap`` columns (long free text) wrap in full within a readable width, ``fold``
    columns (short phrases) break at their spaces only when the table would not fit, the others stay on one line.

    The result is a pandas Styler: chain ``.format``, ``.map``, ``.highlight_max`` ... as usual.
    """
    styled = _styler_class()(frame)
    wrapped = [c for c in wrap if c in frame.columns]
    folded = [c for c in fold if c in frame.columns and c not in wrapped]
    others = [c for c in frame.columns if c not in wrapped and c not in folded]
    if others:
        styled = styled.set_properties(subset=others, **NOWRAP)
    if folded:
        styled = styled.set_properties(subset=folded, **{"white-space": "normal"})
    if wrapped:
        styled = styled.set_properties(subset=wrapped, **WRAP)
    return styled.set_caption(caption) if caption else styled
