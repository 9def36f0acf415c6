"""Settings shared by every run mode.

One django-environ ``env`` reads the process environment (and ``.env`` when present). With no environment at all
the app runs on its embedded default: an SQLite file and a Celery worker on a filesystem queue (see ``local.py``).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "audit",
    "cxapp",
    "journeys",
    "surveys",
    "moments",
    "privacy",
    "pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language cookie (set by the header's switcher, and at login from the user's saved choice: no query per
    # request), else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.context.AuditRequestMiddleware",  # who acts, for the audit log (audit/context.py)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cxapp.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "cxapp.urls"
WSGI_APPLICATION = "cxapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Web requests never wait long on a lock or a statement (issue 16: uploads, /healthz and the analysis API waited
# 36-38 s behind an import's row lock): the WSGI process (cxapp/wsgi.py sets MOMENTUM_PROCESS=web) gets a lock
# timeout and a statement timeout on PostgreSQL; the worker keeps its own (none: an import is one long transaction).
MOMENTUM_WEB_LOCK_TIMEOUT_MS = env.int("MOMENTUM_WEB_LOCK_TIMEOUT_MS", default=5000)
MOMENTUM_WEB_STATEMENT_TIMEOUT_MS = env.int("MOMENTUM_WEB_STATEMENT_TIMEOUT_MS", default=30000)
if env("MOMENTUM_PROCESS", default="") == "web" and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={MOMENTUM_WEB_LOCK_TIMEOUT_MS} -c statement_timeout={MOMENTUM_WEB_STATEMENT_TIMEOUT_MS}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# English stays the default (a browser that asks for nothing, or for any English, gets en-gb: its formats are the
# ones the English pages always had); Dutch for a browser that asks for it or a user who chose it (README
# "Languages"). "en-gb" rather than "en" so that English dates and numbers do not change to the US formats.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["cxapp.formats"]  # dd-mm-jjjj in Dutch (cxapp/formats/nl/formats.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js is served from static/vendor/plotly/ (no CDN: users may be offline or behind a proxy): the basic bundle
# of the pinned plotly's plotly.js release, which draws every chart of moments/charts/ (README there).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "staticfiles")))
# Uploaded survey files are private: kept outside anything that is served, named by the app.
UPLOAD_ROOT = Path(env("UPLOAD_ROOT", default=str(BASE_DIR / "var" / "uploads")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=500 * 1024 * 1024)  # refused while streaming to disk
UPLOAD_MAX_COLUMNS = env.int("UPLOAD_MAX_COLUMNS", default=2000)
# No cell may be larger; no CSV row larger than 8 cells' worth (at least 8 MB): see surveys/ingest/table.py.
UPLOAD_MAX_CELL_BYTES = env.int("UPLOAD_MAX_CELL_BYTES", default=1_000_000)
# An uploaded file is read only by the worker, in a child process (surveys/ingest/sandbox.py): its address space
# may grow by MOMENTUM_PARSE_MEMORY_MB (RLIMIT_AS), and it is stopped when its next result (the detection, or the
# next chunk of an import) takes longer than MOMENTUM_PARSE_SECONDS. The upload then ends failed with a message.
MOMENTUM_PARSE_MEMORY_MB = env.int("MOMENTUM_PARSE_MEMORY_MB", default=2048)
MOMENTUM_PARSE_SECONDS = env.float("MOMENTUM_PARSE_SECONDS", default=120.0)
# An upload's row-error report is a CSV file (UPLOAD_ROOT/<org>/reports/) holding its first bad cells; the upload keeps
# the totals.
MOMENTUM_ERROR_REPORT_MAX_ROWS = env.int("MOMENTUM_ERROR_REPORT_MAX_ROWS", default=100_000)
# The dashboard filter lists a segment's values as checkboxes up to this many; past it, a search field.
MOMENTUM_SEGMENT_CHOICES_MAX = env.int("MOMENTUM_SEGMENT_CHOICES_MAX", default=300)
# Caps on a mapping's JSON and on the moments of one journey (a mapping naming thousands of moments is refused).
MOMENTUM_MAX_MAPPING_BYTES = env.int("MOMENTUM_MAX_MAPPING_BYTES", default=512 * 1024)
MOMENTUM_MAX_MOMENTS_PER_JOURNEY = env.int("MOMENTUM_MAX_MOMENTS_PER_JOURNEY", default=300)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (app.3f2a9c.css) that WhiteNoise serves with a one-year immutable Cache-Control, each with a
    # gzip copy beside it: plotly.js is fetched once per release, not once per page. Needs `collectstatic`.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="")
# The cache (cached figures, throttle counters) may live in a Redis of its own with a memory bound and an eviction
# policy (docker-compose.yml: the `cache` service, maxmemory 256 MB, allkeys-lru), so that it can never fill the
# Redis that holds the job queue; without REDIS_CACHE_URL it shares REDIS_URL.
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default=REDIS_URL)
# An unreachable Redis must cost a request seconds, not minutes: the throttles then fail open (cxapp/throttling.py).
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
        if REDIS_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery (STYLE.md rules 9-14).
# The import job lives in ``pipeline`` (above ``surveys``, which sends it): wired here, in the composition root.
MOMENTUM_INGEST_TASK = "pipeline.tasks.ingest_upload"
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=60 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Above the hard time limit, so a long task still running is never redelivered to a second worker.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 15 * 60,
    "socket_connect_timeout": 2,
}
# Publishing from a web request while Redis is down: give up after about a second (the default policy and the
# connection's own retries can hold the request much longer); the job's row stays QUEUED and the sweeper
# (surveys.sweep_stale_jobs, moments.sweep_stale_runs) sends it once Redis is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "cxapp.worker_heartbeat", "schedule": 60.0},
    "surveys.sweep_stale_jobs": {"task": "surveys.sweep_stale_jobs", "schedule": 60.0},
    "moments.sweep_stale_runs": {"task": "moments.sweep_stale_runs", "schedule": 60.0},
    "surveys.purge_expired_uploads": {"task": "surveys.purge_expired_uploads", "schedule": 3600.0},
    "audit.purge_expired": {"task": "audit.purge_expired", "schedule": 24 * 3600.0},
}

REST_FRAMEWORK = {
    # Token first: DRF answers an anonymous request with the first class's challenge, so clients get
    # 401 + "WWW-Authenticate: Token" instead of a bare 403 (session auth has no challenge to offer).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cxapp.authentication.AuditedTokenAuthentication",  # DRF's, recording token use in the audit log
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "cxapp.throttling.AnonRateThrottle",  # DRF's, failing open when Redis is unreachable
        "cxapp.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Momentum API",
    "DESCRIPTION": "Which moments of the customer journey deserve your money: journeys, surveys, uploads, "
    "analysis results and the prioritised moment list.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc are served from static/ (drf-spectacular-sidecar): no CDN, CSP script-src 'self'.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # one name for the outcome types, whichever field carries them (a wave's outcome_type, an outcome's type)
    "ENUM_NAME_OVERRIDES": {"OutcomeTypeEnum": "surveys.models.OutcomeType.choices"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cxapp.schema.error_responses_add",
    ],
}

# Analysis defaults (DESIGN section 2).
MOMENTUM_MIN_SAMPLE = env.int("MOMENTUM_MIN_SAMPLE", default=30)
MOMENTUM_BOOTSTRAP = env.int("MOMENTUM_BOOTSTRAP", default=200)
# Budgets of new analysis runs waiting or running at one time (identical requests share one run): per
# organisation, and per viewer (analysts and admins only have the organisation's); a request beyond them is
# refused with a message (the API: 429), never queued.
MOMENTUM_ORG_ACTIVE_RUNS_MAX = env.int("MOMENTUM_ORG_ACTIVE_RUNS_MAX", default=20)
MOMENTUM_VIEWER_ACTIVE_RUNS_MAX = env.int("MOMENTUM_VIEWER_ACTIVE_RUNS_MAX", default=6)
MOMENTUM_STALE_AFTER_SECONDS = env.int("MOMENTUM_STALE_AFTER_SECONDS", default=120)
# Data protection (docs/PRIVACY.md): an uploaded file is deleted this many days after its import ended (0 = at
# once); audit records are deleted after MOMENTUM_AUDIT_RETENTION_DAYS.
MOMENTUM_UPLOAD_RETENTION_DAYS = env.int("MOMENTUM_UPLOAD_RETENTION_DAYS", default=30)
MOMENTUM_AUDIT_RETENTION_DAYS = env.int("MOMENTUM_AUDIT_RETENTION_DAYS", default=365)
if MOMENTUM_UPLOAD_RETENTION_DAYS < 0 or MOMENTUM_AUDIT_RETENTION_DAYS < 1:
    raise ValueError("MOMENTUM_UPLOAD_RETENTION_DAYS must be 0 or more, MOMENTUM_AUDIT_RETENTION_DAYS 1 or more.")

# Marks that tell a team to act (DESIGN section 2, issue 13): pain points and every "this is real" mark are
# significant after Benjamini-Hochberg over the moments of one analysis (false discovery rate MOMENTUM_FDR_Q) and,
# for a pain point, at least the minimum meaningful effect below zero: NPS points for an NPS outcome, percentage
# points for a binary one, standard deviations of a numeric one. Where the smaller group (experiencers or not) is
# under MOMENTUM_SMALL_GROUP_SHARE of respondents the effect is shown with a caution and never becomes a pain point.
# The engine takes these as AnalysisParams(fdr_q, pain_min_nps, pain_min_binary, pain_min_sd, small_group_share).
MOMENTUM_FDR_Q = env.float("MOMENTUM_FDR_Q", default=0.05)
MOMENTUM_PAIN_MIN_EFFECT = {
    "nps": env.float("MOMENTUM_PAIN_MIN_EFFECT_NPS", default=5.0),
    "binary": env.float("MOMENTUM_PAIN_MIN_EFFECT_BINARY", default=5.0),
    "numeric_sd": env.float("MOMENTUM_PAIN_MIN_EFFECT_SD", default=0.2),
}
MOMENTUM_SMALL_GROUP_SHARE = env.float("MOMENTUM_SMALL_GROUP_SHARE", default=0.05)

# Login throttling (cxapp/throttling.py), kept in the default cache: Redis whenever REDIS_URL is set.
LOGIN_THROTTLE_FAILURES = env.int("LOGIN_THROTTLE_FAILURES", default=10)  # per username + client IP
LOGIN_THROTTLE_FAILURES_PER_IP = env.int("LOGIN_THROTTLE_FAILURES_PER_IP", default=100)
LOGIN_THROTTLE_WINDOW_SECONDS = env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=15 * 60)

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
