"""REST API of journeys, moments, analysis results and the priorities export (DESIGN section 5).

Thin views (STYLE.md rule 5): validate -> service / selector -> serialize. Plain CRUD of journeys and moments uses
DRF's generic views; analysis and export are one APIView per operation with nested Input serializers.

Scoping: every queryset starts from the user's organisations, so another organisation's ids answer 404 (never 403,
which would confirm they exist). Viewers read; analysts and admins write (403 for a viewer's write).

One module per family: ``crud`` (journeys and moments), ``analysis`` (segments, the analysis for a filter, the
run poll), ``export`` (the priorities file).
"""

from .analysis import AnalysisRunDetailApi, JourneyAnalysisApi, JourneySegmentsApi
from .crud import JourneyDetailApi, JourneyListCreateApi, JourneyMomentListCreateApi, MomentDetailApi
from .export import JourneyPrioritiesApi

__all__ = [
    "AnalysisRunDetailApi",
    "JourneyAnalysisApi",
    "JourneyDetailApi",
    "JourneyListCreateApi",
    "JourneyMomentListCreateApi",
    "JourneyPrioritiesApi",
    "JourneySegmentsApi",
    "MomentDetailApi",
]
