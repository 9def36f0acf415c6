"""Survey weights on the embedded default (SQLite file, eager Celery): stored by the generic path, updated by a
re-import, loaded by the generic loader and used by `analyse`, in a subprocess with its own database."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

from tests.conftest import REPO_ROOT
from tests.surveys.helpers import mapping_file

READ_BACK = (
    "import json; from surveys.models import Response; from moments.models import AnalysisRun; "
    "run = AnalysisRun.objects.order_by('pk').last(); "
    "print(json.dumps({'weights': dict(Response.objects.values_list('respondent_id', 'weight')), "
    "'weighted': run.summary['weighted'], 'nps': run.summary['outcome'], 'n_eff': run.summary['n_effective']}))"
)


def test_weights_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="cxapp.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        UPLOAD_ROOT=str(tmp_path / "uploads"),
        MOMENTUM_BOOTSTRAP="10",
    )

    def manage(*args) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *map(str, args)], cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done

    manage("migrate", "-v0")
    mapping = mapping_file(
        tmp_path, {"respondent_id": "rid", "outcome": "ltr", "scale": [1, 5], "moments": {"A": "m1"}, "weight": "w"}
    )
    rng = np.random.default_rng(8)
    for seed in (1, 2):  # the second import updates every respondent with other weights
        frame = pd.DataFrame(
            {
                "rid": [f"r{i}" for i in range(80)],
                "ltr": rng.integers(0, 11, 80),
                "m1": rng.integers(1, 6, 80),
                "w": rng.choice([0.5, 1.0, 3.0], 80),
            }
        )
        path = tmp_path / f"wave{seed}.csv"
        frame.to_csv(path, index=False)
        manage("import_responses", path, "--journey", "shop", "--survey", "W1", "--mapping", mapping)
    manage("analyse", "--journey", "shop")

    stored = json.loads(manage("shell", "-c", READ_BACK).stdout.strip().splitlines()[-1])

    assert stored["weights"] == dict(zip(frame["rid"], frame["w"], strict=True))
    w, ltr = frame["w"].to_numpy(), frame["ltr"].to_numpy()
    assert stored["weighted"] is True
    assert abs(stored["nps"] - 100 * (w[ltr >= 9].sum() - w[ltr <= 6].sum()) / w.sum()) < 1e-9
    assert abs(stored["n_eff"] - w.sum() ** 2 / (w**2).sum()) < 1e-9
