"""HTML pages of the analyses, one module per page family:

- ``dashboard``: the quadrant dashboard, its printable report, the run status it polls, its exports;
- ``moment``: one moment's detail page;
- ``journey_map``: the journey at a glance;
- ``home``: the journeys of the user's organisations.
"""

from .dashboard import dashboard, export, report, run_status
from .home import home
from .journey_map import journey_map
from .moment import moment_detail

__all__ = ["dashboard", "export", "home", "journey_map", "moment_detail", "report", "run_status"]
