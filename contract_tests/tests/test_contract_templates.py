"""The optional message_templates hook: skipped with a reason without it, checked through its cassette with it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from contract_testkit import FakeSite, failed, outcomes, run_suite

LISTED = [
    {"name": "order_update", "language": "en_US", "status": "approved", "category": "UTILITY", "params": 1},
    {"name": "promo", "language": "en_US", "status": "pending", "category": "MARKETING", "params": 0},
]
CASSETTE = f"""interactions:
- request:
    body: null
    headers: {{}}
    method: GET
    uri: https://graph.fakechat.test/v1.0/ACC-1001/message_templates
  response:
    body:
      string: '{json.dumps({"data": LISTED})}'
    headers:
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""
EXPECTED = [
    {"name": "order_update", "language": "en_US", "status": "APPROVED", "category": "UTILITY", "param_count": 1},
    {"name": "promo", "language": "en_US", "status": "PENDING", "category": "MARKETING", "param_count": 0},
]


def with_case(expected: list[dict[str, Any]]) -> Any:
    def edit(manifest: dict[str, Any]) -> None:
        manifest["templates"] = [{"id": "list", "cassette": "cassettes/templates_list.yaml", "expected": expected}]

    return edit


def test_a_plugin_without_the_hook_is_skipped_with_the_reason(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install()
    reprec = run_suite(pytester, "-k", "templates")
    assert outcomes(reprec) == {"fakechat::templates": "skipped"}
    (skip,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.skipped]
    assert "implements no message_templates hook" in str(skip.longrepr)


def test_a_plugin_with_the_hook_passes_through_its_cassette(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install("TemplatesChannel", edit=with_case(EXPECTED), files={"cassettes/templates_list.yaml": CASSETTE})
    reprec = run_suite(pytester, "-k", "templates or load")
    assert outcomes(reprec) == {
        "fakechat::load": "passed", "fakechat::load.secrets": "passed", "fakechat::load.display": "passed",
        "fakechat::templates[list]": "passed", "fakechat::hygiene[cassettes/templates_list.yaml]": "passed",
    }


def test_a_plugin_with_the_hook_must_ship_a_case(pytester: pytest.Pytester, fake_site: FakeSite) -> None:
    fake_site.install("TemplatesChannel")
    assert failed(run_suite(pytester, "-k", "templates")) == {"fakechat::templates"}


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        pytest.param("LowercaseTemplatesChannel", EXPECTED, id="status-not-upper-case"),
        pytest.param("TemplatesChannel", EXPECTED[:1], id="entries-differ"),
        pytest.param("GoodChannel", EXPECTED, id="case-without-the-hook"),
    ],
)
def test_a_wrong_list_fails_the_case(pytester: pytest.Pytester, fake_site: FakeSite, cls: str,
                                     expected: list[dict[str, Any]]) -> None:
    fake_site.install(cls, edit=with_case(expected), files={"cassettes/templates_list.yaml": CASSETTE})
    assert failed(run_suite(pytester, "-k", "templates")) == {"fakechat::templates[list]"}
