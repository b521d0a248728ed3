"""FieldError renders kube's messages and Status causes."""

from tekpy.local.apiserver.fielderrors import ErrorType, FieldError, aggregate_message


def test_invalid_value_shows_quoted_value_and_message() -> None:
    err = FieldError(ErrorType.INVALID, "metadata.name", "must be lowercase", "Foo")
    assert str(err) == 'metadata.name: Invalid value: "Foo": must be lowercase'
    assert err.cause() == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: "Foo": must be lowercase',
        "field": "metadata.name",
    }


def test_required_has_no_value() -> None:
    err = FieldError(ErrorType.REQUIRED, "spec.containers", "")
    assert str(err) == "spec.containers: Required value"


def test_aggregate_lists_several_errors() -> None:
    errs = [
        FieldError(ErrorType.REQUIRED, "spec.a"),
        FieldError(ErrorType.NOT_SUPPORTED, "spec.b", 'supported values: "x"', "y"),
    ]
    assert aggregate_message("Pod", "p", errs) == (
        'Pod "p" is invalid: [spec.a: Required value, '
        'spec.b: Unsupported value: "y": supported values: "x"]'
    )
