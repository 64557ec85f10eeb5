"""Check a SAM template offline: translate it to CloudFormation, then cfn-lint the result.

cfn-lint 1.x no longer runs the SAM transform, so on ``AWS::Serverless::Function`` it misses bad
runtimes, architectures and IAM actions. Translating first with aws-sam-translator (a region set, a
managed-policy loader that needs no AWS call, local ``CodeUri``/``ContentUri`` rewritten to ``s3://``
URIs) and linting the CloudFormation it produces catches them. Both libraries are dev dependencies:
this module imports them only when called.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The region translation assumes (the build sheet's); the templates are region-agnostic.
TRANSLATE_REGION = "ap-southeast-1"
_CODE_KEYS = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}


class _NoManagedPolicies:
    """The managed-policy loader the translator asks for ARNs by name; siu's templates use none."""

    def load(self) -> dict[str, str]:
        """No managed policy is known: a template naming one fails translation, as it should here."""
        return {}


def with_s3_code(template: Mapping[str, Any]) -> dict[str, Any]:
    """A copy whose local code paths (functions, layers, Globals) point at placeholder ``s3://`` URIs."""
    out = copy.deepcopy(dict(template))
    globals_fn = (out.get("Globals") or {}).get("Function") or {}
    if isinstance(globals_fn.get("CodeUri"), str) and not globals_fn["CodeUri"].startswith("s3://"):
        globals_fn["CodeUri"] = "s3://siu-artifacts/core.zip"
    for logical, spec in (out.get("Resources") or {}).items():
        key = _CODE_KEYS.get(str(spec.get("Type")))
        props = spec.get("Properties") or {}
        if key and isinstance(props.get(key), str) and not props[key].startswith("s3://"):
            props[key] = f"s3://siu-artifacts/{logical}.zip"
    return out


def translate(template: Mapping[str, Any], parameters: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The CloudFormation template SAM would deploy (raises the translator's error when invalid)."""
    from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

    os.environ.setdefault("AWS_DEFAULT_REGION", TRANSLATE_REGION)
    result: dict[str, Any] = transform(with_s3_code(template), dict(parameters or {}), _NoManagedPolicies())
    return result


@dataclass(frozen=True)
class LintMatch:
    """One cfn-lint finding: rule id, level, message and where."""

    rule: str
    level: str
    message: str
    path: str

    def __str__(self) -> str:
        return f"{self.level} {self.rule} {self.path}: {self.message}"


def lint(cfn_template: Mapping[str, Any], *, regions: tuple[str, ...] = (TRANSLATE_REGION,)) -> list[LintMatch]:
    """cfn-lint findings for a CloudFormation (already translated) template."""
    from cfnlint.api import ManualArgs  # type: ignore[import-untyped]
    from cfnlint.api import lint as run_lint

    matches = run_lint(json.dumps(cfn_template), config=ManualArgs(regions=list(regions)))
    out: list[LintMatch] = []
    for m in matches:
        level = str(getattr(m.rule, "severity", "") or ("error" if str(m.rule.id).startswith("E") else "warning"))
        out.append(LintMatch(str(m.rule.id), level, str(m.message), "/".join(str(p) for p in (m.path or []))))
    return out


def errors(matches: list[LintMatch]) -> list[LintMatch]:
    """The findings that are errors (rule ids starting with E)."""
    return [m for m in matches if m.rule.startswith("E")]
