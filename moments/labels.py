"""Words for the analysis parameters and outcomes, one table each, used by the pages, the API docs, the exports
and the CLI (so "Outcome rate" is never "Rate (%)" elsewhere). Pure: no Django import."""

from __future__ import annotations

from .analysis.engine import METHODS
from .analysis.quadrants import THRESHOLD_MODES

DEFAULT_METHOD = "relative_weights"
DEFAULT_THRESHOLD = "mean"

# Long names (KPI header, report, export sheet), then short ones (filter choices, CLI help).
METHOD_LABELS = {
    "relative_weights": "Relative weights (Johnson 2000)",
    "shapley": "Shapley / LMG decomposition",
    "correlation": "Correlation (Pearson r)",
}
METHOD_SHORT_LABELS = {"relative_weights": "Relative weights", "shapley": "Shapley / LMG", "correlation": "Correlation"}
THRESHOLD_LABELS = {"mean": "mean of the placed moments", "median": "median of the placed moments", "fixed": "fixed"}
THRESHOLD_SHORT_LABELS = {"mean": "Mean", "median": "Median", "fixed": "Fixed targets"}
OUTCOME_LABELS = {"nps": "NPS", "binary": "Outcome rate", "numeric": "Outcome mean"}
OUTCOME_UNITS = {"nps": "", "binary": "%", "numeric": ""}


METHOD_CHOICES = [(m, METHOD_SHORT_LABELS[m]) for m in METHODS]
THRESHOLD_CHOICES = [(t, THRESHOLD_SHORT_LABELS[t]) for t in THRESHOLD_MODES]


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def threshold_label(mode: str) -> str:
    return THRESHOLD_LABELS.get(mode, mode)


def outcome_label(outcome_type: str | None) -> str:
    """ "NPS", "Outcome rate", "Outcome mean" (the KPI header's title; the unit is shown beside the number)."""
    return OUTCOME_LABELS.get(outcome_type or "nps", "Outcome")


def outcome_unit(outcome_type: str | None) -> str:
    return OUTCOME_UNITS.get(outcome_type or "nps", "")


def outcome_heading(outcome_type: str | None) -> str:
    """The label with its unit, for a column or a line of text: "NPS", "Outcome rate (%)", "Outcome mean"."""
    unit = outcome_unit(outcome_type)
    return f"{outcome_label(outcome_type)} ({unit})" if unit else outcome_label(outcome_type)
