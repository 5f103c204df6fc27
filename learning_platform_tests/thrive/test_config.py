"""Thrive settings: both auth modes, hosts per environment, and refusals that name the variables
to fix (never their values) before any request is sent."""

import dagster as dg
import pytest

from learning_platform.defs.thrive.resources import ThriveClient
from learning_platform.lib.thrive.config import ThriveConfigError, resolve_config

TENANT = "eu-west-2_AbcdEfghI"
SECRET = "basic-secret-value-123"
CLIENT_SECRET = "oauth-client-secret-456"


def test_an_api_secret_alone_means_basic_on_the_production_hosts():
    config = resolve_config(tenant_id=TENANT, api_secret=SECRET)

    assert config.auth == "basic"
    assert config.api_url == "https://public.api.learn.link/rest/v1"
    assert config.token_url == f"https://public.api.learn.link/oauth2/token/{TENANT}"
    assert SECRET not in repr(config)


def test_client_credentials_mean_oauth2_and_the_environment_picks_the_hosts():
    config = resolve_config(
        tenant_id=TENANT, client_id="client", client_secret=CLIENT_SECRET, environment="staging-mea"
    )

    assert config.auth == "oauth2"
    assert config.api_url == "https://public.api.meastaging.learn.tech/rest/v1"
    assert config.token_url == f"https://public.api.meastaging.learn.tech/oauth2/token/{TENANT}"
    assert CLIENT_SECRET not in repr(config)


def test_explicit_urls_override_the_derived_hosts():
    config = resolve_config(
        tenant_id=TENANT,
        api_secret=SECRET,
        api_url="http://127.0.0.1:9/thrive/rest/v1/",
        token_url="http://127.0.0.1:9/token",
    )

    assert config.api_url == "http://127.0.0.1:9/thrive/rest/v1"
    assert config.token_url == "http://127.0.0.1:9/token"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"api_secret": SECRET}, ["THRIVE_TENANT_ID"]),
        (
            {
                "tenant_id": TENANT,
                "api_secret": SECRET,
                "client_id": "c",
                "client_secret": CLIENT_SECRET,
            },
            ["THRIVE_API_SECRET", "THRIVE_CLIENT_ID", "THRIVE_CLIENT_SECRET", "not both"],
        ),
        ({"tenant_id": TENANT, "api_secret": SECRET, "client_id": "c"}, ["THRIVE_CLIENT_ID"]),
        ({"tenant_id": TENANT}, ["THRIVE_CLIENT_ID", "THRIVE_CLIENT_SECRET"]),
        ({"tenant_id": TENANT, "client_id": "c"}, ["THRIVE_CLIENT_SECRET"]),
        (
            {
                "tenant_id": TENANT,
                "auth": "basic",
                "client_id": "c",
                "client_secret": CLIENT_SECRET,
            },
            ["THRIVE_API_SECRET"],
        ),
        ({"tenant_id": TENANT, "auth": "oauth2", "api_secret": SECRET}, ["THRIVE_API_SECRET"]),
        ({"tenant_id": TENANT, "api_secret": SECRET, "auth": "kerberos"}, ["THRIVE_AUTH"]),
        (
            {"tenant_id": TENANT, "api_secret": SECRET, "environment": "moon"},
            ["THRIVE_ENVIRONMENT"],
        ),
        ({"tenant_id": TENANT, "api_secret": SECRET, "api_url": "ftp://x"}, ["THRIVE_API_URL"]),
    ],
)
def test_a_mixed_or_incomplete_configuration_is_refused_naming_the_variables(settings, named):
    with pytest.raises(ThriveConfigError) as refused:
        resolve_config(**{"tenant_id": None, **settings})

    message = str(refused.value)
    for name in named:
        assert name.replace("not both", "one mode only") in message
    for value in (SECRET, CLIENT_SECRET, "kerberos", "moon", "ftp://x"):
        assert value not in message


def test_the_resource_refuses_a_mixed_configuration_at_set_up_before_any_request(monkeypatch):
    """The URL points nowhere that answers: a request would fail differently, and later."""
    resource = ThriveClient(
        tenant_id=TENANT,
        api_secret=SECRET,
        client_id="c",
        client_secret=CLIENT_SECRET,
        api_url="http://127.0.0.1:9/rest/v1",
    )

    with pytest.raises(dg.DagsterResourceFunctionError) as refused:
        with dg.build_resources({"thrive": resource}):
            pass

    assert isinstance(refused.value.user_exception, ThriveConfigError)
    assert "one mode only" in str(refused.value.user_exception)


def test_the_resource_binds_only_the_variables_that_are_set(monkeypatch):
    for name in ("THRIVE_CLIENT_ID", "THRIVE_CLIENT_SECRET", "THRIVE_AUTH", "THRIVE_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("THRIVE_TENANT_ID", TENANT)
    monkeypatch.setenv("THRIVE_API_SECRET", SECRET)

    with dg.build_resources({"thrive": ThriveClient.from_environment()}) as resources:
        api = resources.thrive.api()

    assert api.config.auth == "basic"
    assert api.config.tenant_id == TENANT
