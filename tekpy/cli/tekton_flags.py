"""The Tekton configuration flags shared by ``tekpy run``, ``validate`` and ``controller``.

``--enable-api-fields`` and repeatable ``--feature-flag KEY=VALUE`` / ``--config-default
KEY=VALUE`` stand for the keys of Tekton's ``feature-flags`` and ``config-defaults``
ConfigMaps (DESIGN §4).
"""

from __future__ import annotations

import argparse


def add_tekton_config_flags(parser: argparse.ArgumentParser) -> None:
    """Register the three flags on a subcommand's parser."""
    parser.add_argument("--enable-api-fields", choices=("stable", "beta", "alpha"),
                        default=None, help="Tekton's feature gate (default: beta, as in Tekton)")
    parser.add_argument("--feature-flag", dest="feature_flags", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="any key of Tekton's feature-flags ConfigMap; repeatable")
    parser.add_argument("--config-default", dest="config_defaults", action="append",
                        default=[], metavar="KEY=VALUE",
                        help="any key of Tekton's config-defaults ConfigMap; repeatable")


def key_value_pairs(items: list[str], flag: str) -> dict[str, str]:
    """``["k=v", ...]`` as a dict; raises ValueError naming ``flag`` for a malformed item."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{flag} {item!r} is not KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def tekton_config_maps(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, str]]:
    """The ``(config-defaults, feature-flags)`` data the flags describe.

    ``--enable-api-fields`` wins over an ``enable-api-fields`` given as a feature flag.
    """
    flags = key_value_pairs(args.feature_flags, "--feature-flag")
    if args.enable_api_fields:
        flags["enable-api-fields"] = args.enable_api_fields
    return key_value_pairs(args.config_defaults, "--config-default"), flags
