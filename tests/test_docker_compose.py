"""docker-compose.yml is for users (no Docker engine here): validate its shape instead of running it."""

import yaml

from tests.conftest import REPO_ROOT


def _compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_services_with_health_checks():
    services = _compose()["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis", "cache"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service.get("restart") == "unless-stopped", name


def test_app_services_run_the_right_commands_against_postgres_and_redis():
    services = _compose()["services"]
    assert "gunicorn cxapp.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A cxapp worker")
    assert services["beat"]["command"].startswith("celery -A cxapp beat")
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "cxapp.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_data_lives_on_named_volumes():
    compose = _compose()
    assert {"pgdata", "redisdata", "uploads"} <= set(compose["volumes"])
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]


def test_the_cache_has_a_bounded_redis_of_its_own_and_the_queue_never_evicts():
    services = _compose()["services"]
    assert "--maxmemory 256mb --maxmemory-policy allkeys-lru" in services["cache"]["command"]
    assert "--maxmemory-policy noeviction" in services["redis"]["command"]
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["REDIS_CACHE_URL"] == "redis://cache:6379/0"
