"""HTML pages of the analyses, one module per page family:

- ``dashboard``: the quadrant dashboard, its printable report, the run status it polls, its exports;
- ``moment``: one moment's detail page;
- ``journey_map``: the journey at a glance;
- ``outcomes``: the outcomes side by side (each moment's quadrant and impact per outcome);
- ``home``: the journeys of the user's organisations.
"""

from .dashboard import dashboard, export, report, run_status
from .home import home
from .journey_map import journey_map
from .moment import moment_detail
from .outcomes import outcomes_side_by_side

__all__ = [
    "dashboard",
    "export",
    "home",
    "journey_map",
    "moment_detail",
    "outcomes_side_by_side",
    "report",
    "run_status",
]
