"""Load checks: the plugin loads through its entry point and describes itself consistently."""

from __future__ import annotations

import pluggy

from siu_contract.checks import ContractViolation
from siu_contract.fixtures import channel_entry_points
from siu_contract.manifest import Manifest
from siu_core import hookspecs
from siu_core.plugins import ChannelRegistry, contract_compatible


def check_load(name: str, registry: ChannelRegistry) -> None:
    """A channel that cannot load cannot be deployed: name, versions, hooks and pluggy validation."""
    if name not in registry.channels:
        reason = registry.failures.get(name, "not loaded")
        raise ContractViolation(f"channel {name!r} failed to load: {reason}")
    eps = channel_entry_points().get(name, [])
    if len(eps) != 1:
        raise ContractViolation(f"expected one 'siu.channels' entry point named {name!r}, found {len(eps)}")
    channel = registry.channels[name]
    info = channel.info
    problems: list[str] = []
    if info.name != name:
        problems.append(f"channel_info().name is {info.name!r}, the entry point is {name!r}")
    if not info.version.strip():
        problems.append("channel_info().version is empty")
    if channel.dist_version is None:
        problems.append("the entry point has no distribution metadata: install the plugin as a package")
    elif info.version != channel.dist_version:
        problems.append(
            f"channel_info().version is {info.version!r} but distribution "
            f"{channel.distribution!r} is version {channel.dist_version!r}: read it from the package metadata"
        )
    if not contract_compatible(info.contract_version):
        problems.append(
            f"contract version {info.contract_version!r} is not compatible with {hookspecs.CONTRACT_VERSION!r}"
        )
    missing = [hook for hook in hookspecs.REQUIRED_HOOKS if not channel.has_hook(hook)]
    if missing:
        problems.append(f"required hook(s) not implemented: {', '.join(missing)}")
    try:
        registry.pm.check_pending()
    except pluggy.PluginValidationError as exc:
        problems.append(f"a hook implementation matches no hook specification: {exc}")
    if problems:
        raise ContractViolation("\n".join(problems))


def check_secrets(manifest: Manifest, registry: ChannelRegistry, name: str) -> None:
    """The manifest's fake secrets and the channel's declared secret fields must name the same things."""
    info = registry.channels[name].info
    declared = set(info.secret_fields) | set(info.optional_secret_fields)
    problems: list[str] = []
    unknown = sorted(set(manifest.secrets) - declared)
    if unknown:
        problems.append(
            f"manifest secrets {unknown} are not declared by the channel "
            f"(secret_fields + optional_secret_fields = {sorted(declared)})"
        )
    missing = sorted(set(info.secret_fields) - set(manifest.secrets))
    if missing:
        problems.append(f"required secret field(s) {missing} have no fake value in the manifest")
    undeclared_signing = sorted(set(info.signing_secret_fields) - declared)
    if undeclared_signing:
        problems.append(f"signing_secret_fields {undeclared_signing} are not among the declared secret fields")
    if problems:
        raise ContractViolation("\n".join(problems))
