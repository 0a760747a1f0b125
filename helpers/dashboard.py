"""The registry dashboard: compare versions, approve or reject with a comment, roll back (ipywidgets).

Works in JupyterLab 4 and SageMaker Studio (plain ipywidgets 8, no custom front-end code). Every action
goes through :mod:`helpers.audit`, so it changes the registry and appends an audit record.
"""

from __future__ import annotations

from . import audit, compare
from .errors import WorkshopError

FITS = 5  # versions side by side that fit the table's box at 1280 px with JupyterLab's file browser open


class Dashboard:
    """Widgets over one group's live registry state; ``refresh()`` re-reads it."""

    def __init__(self, session, bucket: str, group: str):
        import ipywidgets as w

        self.session, self.bucket, self.group = session, bucket, group
        self.title = w.HTML(f"<h3>Model registry: {group}</h3>")
        self.versions = w.SelectMultiple(description="Compare", rows=5, layout=w.Layout(width="320px"))
        self.diff_only = w.Checkbox(description="Differences only", value=False, indent=False)
        # One column per version, one row per field: fits 1280 px with the file browser open; with many versions
        # chosen the frame scrolls sideways, and the caption above it says so.
        self.table = w.Output(layout=w.Layout(border="1px solid #ddd", padding="4px", max_width="100%", overflow="auto"))
        self.chart = w.Output()
        self.target = w.Dropdown(description="Version", layout=w.Layout(width="320px"))
        self.comment = w.Textarea(placeholder="Why? (required: it becomes the approval description)",
                                  layout=w.Layout(width="420px", height="60px"))
        self.approve = w.Button(description="Approve", button_style="success", icon="check")
        self.reject = w.Button(description="Reject", button_style="danger", icon="times")
        self.rollback = w.Button(description="Roll back", button_style="warning", icon="undo")
        self.status = w.HTML()
        self.frame = None
        self.versions.observe(lambda _: self._render(), names="value")
        self.diff_only.observe(lambda _: self._render(), names="value")
        self.approve.on_click(lambda _: self._change("Approved"))
        self.reject.on_click(lambda _: self._change("Rejected"))
        self.rollback.on_click(lambda _: self._rollback())
        self.widget = w.VBox([
            self.title,
            w.HBox([self.versions, self.diff_only]),
            self.table,
            self.chart,
            w.HBox([self.target, self.comment]),
            w.HBox([self.approve, self.reject, self.rollback]),
            self.status,
        ])
        self.refresh()

    # --- state -----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the group and redraw; keeps the chosen versions where they still exist."""
        self.frame = compare.versions_frame(self.session, self.group)
        options = [(f"v{v} ({row['approval']})", int(v)) for v, row in self.frame.iterrows()]
        chosen = [v for v in self.versions.value if v in self.frame.index] or [o[1] for o in options]
        self._quiet = True  # one redraw at the end, not one per widget change
        self.versions.options = options
        self.versions.value = tuple(chosen)
        self._quiet = False
        pending = [v for v, row in self.frame.iterrows() if row["approval"] == "PendingManualApproval"]
        current = self.target.value
        self.target.options = options
        if current in self.frame.index:
            self.target.value = current
        elif options:
            self.target.value = int(pending[0]) if pending else options[-1][1]
        self._render()

    def _render(self) -> None:
        import matplotlib.pyplot as plt
        from IPython.display import display

        if getattr(self, "_quiet", False):
            return
        chosen = list(self.versions.value)
        self.table.clear_output(wait=True)
        self.chart.clear_output(wait=True)
        if self.frame is None or not len(self.frame) or not chosen:
            with self.table:
                print("(no versions to compare)")
            return
        with self.table:
            display(self.comparison(chosen))
        with self.chart:
            fig, ax = plt.subplots(figsize=(8, 3))
            compare.plot_metrics(self.frame, chosen, ax=ax)
            fig.tight_layout()
            plt.close(fig)  # shown once, through display(), also from a button's callback
            display(fig)

    def comparison(self, chosen: list[int]):
        """The table of the chosen versions, one column each; a caption says when the frame must scroll."""
        table = compare.style_side_by_side(self.frame, chosen, self.diff_only.value)
        if len(chosen) > FITS:
            table = table.set_caption(f"{len(chosen)} versions: scroll sideways inside this frame to see them all")
        return table

    def _say(self, text: str, ok: bool) -> None:
        colour = "#1b5e20" if ok else "#b71c1c"
        self.status.value = f"<span style='color:{colour}'>{text}</span>"

    # --- actions ---------------------------------------------------------------------------------

    def _change(self, status: str) -> None:
        version = self.target.value
        if version is None:
            self._say("Pick a version first.", ok=False)
            return
        self._act(f"why v{version} is {status.lower()}",
                  lambda: audit.change_status(self.session, self.bucket, self.group, version, status, self.comment.value),
                  lambda record: f"v{version}: {record['from']} → {record['to']} (recorded in the audit history).")

    def _rollback(self) -> None:
        self._act("why you roll back",
                  lambda: audit.rollback(self.session, self.bucket, self.group, self.comment.value),
                  lambda done: f"Rolled back: v{done[0]} rejected, v{done[1]} approved again.")

    def _act(self, why: str, action, done) -> None:
        """Run ``action`` if a comment says ``why``; then clear the comment, redraw and say ``done(result)``."""
        if not self.comment.value.strip():
            self._say(f"Nothing changed: write a comment saying {why}.", ok=False)
            return
        try:
            result = action()
        except WorkshopError as err:
            self._say(f"Nothing changed: {err}", ok=False)
            return
        self.comment.value = ""
        self.refresh()
        self._say(done(result), ok=True)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def dashboard(session, bucket: str, group: str) -> Dashboard:
    """Build the dashboard for ``group`` (display it by leaving it as a cell's last expression)."""
    return Dashboard(session, bucket, group)


