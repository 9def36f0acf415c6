"""Pure analysis engine: NPS, satisfaction, drivers, quadrants, bootstrap, what-if (DESIGN section 2).

numpy / pandas / scipy only; no Django import anywhere in this package.
"""

from .compare import compare_waves
from .engine import AnalysisParams, AnalysisResult, analyse
from .nps import nps_summary

__all__ = ["AnalysisParams", "AnalysisResult", "analyse", "compare_waves", "nps_summary"]
