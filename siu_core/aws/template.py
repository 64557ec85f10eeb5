"""Read ``infra/template.yaml`` (CloudFormation short-form tags included) and resolve its intrinsics.

PyYAML's safe loader rejects ``!Ref``/``!GetAtt``/``!Sub``; the loader here turns every ``!Tag`` into
the long form (``{"Ref": ...}``, ``{"Fn::GetAtt": [...]}``, ``{"Fn::Sub": ...}``) the way
CloudFormation itself reads it. :func:`resolve` evaluates the intrinsics the provisioner needs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from siu_core.errors import SiuError

TEMPLATE_RELATIVE = Path("infra") / "template.yaml"


class TemplateError(SiuError):
    """The template cannot be found, read or resolved; the message names the resource or tag."""


def template_path() -> Path:
    """Where ``infra/template.yaml`` is: the checkout's copy first, else the one inside the wheel."""
    checkout = Path(__file__).resolve().parents[2] / TEMPLATE_RELATIVE
    if checkout.is_file():
        return checkout
    packaged = Path(str(resources.files("siu_core").joinpath("infra", "template.yaml")))
    if packaged.is_file():
        return packaged
    raise TemplateError(f"infra/template.yaml not found (looked at {checkout} and {packaged})")


def _loader() -> type:
    import yaml

    class CfnLoader(yaml.SafeLoader):
        """A safe loader that also reads CloudFormation's short-form intrinsic tags."""

    def construct(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if suffix == "GetAtt":
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {name: value}

    CfnLoader.add_multi_constructor("!", construct)
    return CfnLoader


@cache
def _load_cached(path: str, mtime_ns: int) -> dict[str, Any]:
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources section")
    return data


def load_template(path: str | Path | None = None) -> dict[str, Any]:
    """The template as plain data (intrinsics in long form); cached per file version, do not mutate."""
    p = Path(path) if path is not None else template_path()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise TemplateError(f"cannot read {p}: {exc}") from None
    return _load_cached(str(p), mtime)


_SUB = re.compile(r"\$\{([^}!]+)\}")

#: lookup(kind, name, attribute) -> value; kind is "Ref" or "GetAtt".
Lookup = Callable[[str, str, str | None], Any]


def resolve(value: Any, lookup: Lookup, where: str = "") -> Any:
    """Evaluate Ref, Fn::GetAtt, Fn::Sub and Fn::Join inside ``value`` through ``lookup``."""
    if isinstance(value, list):
        return [resolve(v, lookup, where) for v in value]
    if not isinstance(value, Mapping):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return lookup("Ref", str(arg), None)
        if key == "Fn::GetAtt":
            parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return lookup("GetAtt", str(parts[0]), str(parts[1]))
        if key == "Fn::Sub":
            return _sub(arg, lookup, where)
        if key == "Fn::Join":
            sep, items = arg
            return str(sep).join(str(resolve(i, lookup, where)) for i in items)
        if key.startswith("Fn::") or key == "Condition":
            raise TemplateError(f"{where}: intrinsic {key} is not supported by the local provisioner")
    return {k: resolve(v, lookup, f"{where}.{k}" if where else str(k)) for k, v in value.items()}


def _sub(arg: Any, lookup: Lookup, where: str) -> str:
    if isinstance(arg, list):
        text, local = str(arg[0]), {k: resolve(v, lookup, where) for k, v in dict(arg[1]).items()}
    else:
        text, local = str(arg), {}
    return substitute(text, local, lookup)


def substitute(text: str, local: Mapping[str, Any], lookup: Lookup) -> str:
    """``Fn::Sub``'s ``${...}``: the local names first, ``${Res.Attr}`` as a GetAtt, anything else a Ref.

    Shared by the local provisioner and the deploy tooling's template evaluator, which differ only
    in how they resolve the local values and the lookups.
    """

    def one(match: re.Match[str]) -> str:
        ref = match.group(1).strip()
        if ref in local:
            return str(local[ref])
        if "." in ref and not ref.startswith("AWS::"):
            resource, attribute = ref.split(".", 1)
            return str(lookup("GetAtt", resource, attribute))
        return str(lookup("Ref", ref, None))

    return _SUB.sub(one, text)
