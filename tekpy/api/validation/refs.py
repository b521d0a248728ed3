"""References to Tasks, Pipelines and StepActions: by name, or through a resolver."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tekpy.api.config import BETA
from tekpy.api.errors import (
    ErrorList,
    err_generic,
    err_invalid_value,
    err_missing_field,
    err_multiple_one_of,
)
from tekpy.api.types import Param
from tekpy.api.validation._ctx import Ctx, is_qualified_name
from tekpy.api.validation.params import check_param_duplicates

__all__ = ["check_ref"]

_URL_LIKE = re.compile(r"[\w-]+://*")
_CONCISE = (
    "feature flag enable-concise-resolver-syntax should be set to true to use concise "
    "resolver syntax"
)


def check_ref(name: str, resolver: str, params: Sequence[Param], ctx: Ctx) -> ErrorList:
    """Tekton's rules for a ref: a name, or a resolver (beta) with params (beta)."""
    errs = ErrorList()
    if resolver or params:
        if params:
            errs.add(ctx.gate("resolver params", BETA).via_field("params"))
            if name:
                errs.add(err_multiple_one_of("name", "params"))
            if not resolver:
                errs.add(err_missing_field("resolver"))
            errs.add(check_param_duplicates(params).via_field("params"))
        if resolver:
            errs.add(ctx.gate("resolver", BETA).via_field("resolver"))
            if name:
                if _URL_LIKE.search(name):
                    if not ctx.flag("enable-concise-resolver-syntax"):
                        errs.add(err_generic(_CONCISE, ""))
                else:
                    errs.add(err_invalid_value("invalid URI for request", "name"))
    elif name:
        if _URL_LIKE.search(name):
            if not ctx.flag("enable-concise-resolver-syntax"):
                errs.add(err_generic(_CONCISE, ""))
            errs.add(err_missing_field("resolver"))
        else:
            problems = is_qualified_name(name)
            if problems:
                errs.add(err_invalid_value(",".join(problems), "name"))
    else:
        errs.add(err_missing_field("name"))
    return errs
