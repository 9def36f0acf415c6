import os

# One BLAS thread per process: web and worker processes already use every core, and a multi-threaded OpenBLAS
# under that contention ran the bootstrap 5-6x slower (measured: 100k x 25, 200 resamples, 16 s vs 100 s).
# Set before numpy is imported anywhere in the process; an explicit environment value still wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# Load Celery with Django so that `shared_task` binds to the project's app.
from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
