"""The trailing '/' ingress-nginx's HTTPS redirect drops (lua_ingress.lua l. 157-173 at controller-v1.15.1) is
reported where it applies, with preserve-trailing-slash read as ingress-nginx reads it (rewrite/main.go l. 159-165:
the annotation by Go ParseBool, else the ConfigMap key, false by default)."""

from __future__ import annotations

from typing import Any

import pytest

from albops.migrate import Options, migrate
from albops.migrate.https_redirect import TRAILING_SLASH
from albops.migrate.routes import NGINX

KEY = NGINX + "preserve-trailing-slash"


def _ingress(annotations: dict[str, str], tls: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "ingressClassName": "nginx",
        "rules": [
            {
                "host": "shop.test",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "web", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ],
    }
    if tls:
        spec["tls"] = [{"hosts": ["shop.test"], "secretName": "shop-tls"}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web", "namespace": "shop", "annotations": annotations},
        "spec": spec,
    }


def _dropped(annotations: dict[str, str], config: dict[str, str] | None = None, tls: bool = True) -> bool:
    _, report = migrate([_ingress(annotations, tls)], Options(group="g", controller_config=config or {}))
    # The annotation may have a line of its own (its catalogue disposition); this is the redirect's.
    found = [f for f in report.findings if f.annotation == KEY and TRAILING_SLASH in f.detail]
    assert all(f.status == "approximated" and f.ingress == "shop/web" for f in found)
    return bool(found)


@pytest.mark.parametrize("value", ["true", "1", "t", "T", "TRUE", "True"])
def test_preserved_in_any_parsebool_spelling_is_exact(value: str) -> None:
    assert not _dropped({KEY: value})


@pytest.mark.parametrize("value", [None, "false", "0", "F", "yes", "on", ""])
def test_dropped_unless_preserved(value: str | None) -> None:
    # "yes", "on" and "" are not ParseBool spellings: ingress-nginx keeps the default, false.
    assert _dropped({} if value is None else {KEY: value})


def test_the_configmap_key_is_the_default_and_the_annotation_wins() -> None:
    assert not _dropped({}, {"preserve-trailing-slash": "true"})
    assert not _dropped({KEY: "not-a-bool"}, {"preserve-trailing-slash": "true"})
    assert _dropped({KEY: "0"}, {"preserve-trailing-slash": "true"})


def test_nothing_to_say_without_an_https_redirect() -> None:
    assert not _dropped({NGINX + "ssl-redirect": "false"})
    assert not _dropped({}, tls=False)


def _two_hosts(tls_hosts: list[str] | None) -> dict[str, Any]:
    rule = {
        "http": {
            "paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}}
            ]
        }
    }
    entry: dict[str, Any] = {"secretName": "tls"}
    if tls_hosts is not None:
        entry["hosts"] = tls_hosts
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "two", "namespace": "web"},
        "spec": {
            "ingressClassName": "nginx",
            "tls": [entry],
            "rules": [{"host": "a.example.com", **rule}, {"host": "b.other.org", **rule}],
        },
    }


@pytest.mark.parametrize("tls_hosts", [["a.example.com"], ["*.example.com", "b.other.org"], None])
def test_the_certificate_note_names_every_host_discovery_looks_up(tls_hosts: list[str] | None) -> None:
    """Certificate discovery looks up the rule hosts and the TLS hosts (v3.5.0 computeIngressInferredTLSCertARNs),
    whatever spec.tls names: the note names both. (ingress-nginx gave a rule host outside spec.tls its default
    certificate and redirected it too, so nothing else changes for it.)"""
    _, report = migrate([_two_hosts(tls_hosts)], Options(group="g"))
    note = next(f for f in report.findings if f.annotation == "certificate")
    assert "a.example.com" in note.detail and "b.other.org" in note.detail, note.detail
    assert "without it the controller builds nothing of the group" in note.detail
