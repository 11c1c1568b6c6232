"""The emulated MongoDB engine's own parts: collection validators (mongomock ignores them, so
$jsonSchema and query-operator validators are enforced here), and how a failure inside the
emulation is told apart from the learner's mistake.

An emulated failure is the *installation's* limit (EmulationUnsupported: the attempt does
not count, the verdict names the operator) when mongomock lacks a feature real MongoDB has,
and the *learner's* (OperationError) when MongoDB itself would refuse the pipeline, such as a
misspelt stage name.
"""

from __future__ import annotations

import re
from typing import Any

from bson import ObjectId, json_util


class EmulationUnsupported(Exception):
    """The emulated engine cannot do what the lab asks: this installation's limit."""


_BSON_TYPES = {
    "double": lambda v: isinstance(v, float),
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "objectId": lambda v: isinstance(v, ObjectId),
    "bool": lambda v: isinstance(v, bool),
    "date": lambda v: type(v).__name__ == "datetime",
    "null": lambda v: v is None,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and -(2**31) <= v < 2**31,
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "decimal": lambda v: type(v).__name__ == "Decimal128",
    "number": lambda v: (isinstance(v, (int, float)) and not isinstance(v, bool)) or type(v).__name__ == "Decimal128",
    "regex": lambda v: type(v).__name__ in ("Regex", "Pattern"),
    "binData": lambda v: isinstance(v, bytes) or type(v).__name__ == "Binary",
    "timestamp": lambda v: type(v).__name__ == "Timestamp",
}
_JSON_TYPES = {
    "object": "object",
    "array": "array",
    "string": "string",
    "number": "number",
    "boolean": "bool",
    "null": "null",
}
_SCHEMA_KEYWORDS = {
    "bsonType", "type", "required", "properties", "additionalProperties", "patternProperties", "enum",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
    "items", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "anyOf", "allOf",
    "oneOf", "not", "description", "title",
}  # fmt: skip


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if type(value).__name__ == "Decimal128":
        return float(value.to_decimal())
    return None


def schema_errors(schema: dict, value: Any, path: str = "") -> list[str]:
    """Why ``value`` fails a $jsonSchema (MongoDB's subset of draft 4), as sentences."""
    unknown = set(schema) - _SCHEMA_KEYWORDS
    if unknown:
        raise EmulationUnsupported(f"the $jsonSchema keyword(s) {', '.join(sorted(unknown))}")
    label = f"field `{path}`" if path else "the document"
    errors: list[str] = []
    for keyword, names in (("bsonType", None), ("type", _JSON_TYPES)):
        if keyword in schema:
            wanted = schema[keyword] if isinstance(schema[keyword], list) else [schema[keyword]]
            mapped = [names.get(w, w) if names else w for w in wanted]
            for name in mapped:
                if name not in _BSON_TYPES:
                    raise EmulationUnsupported(f"the {keyword} {name!r}")
            if not any(_BSON_TYPES[name](value) for name in mapped):
                return [f"{label} must be of type {' or '.join(wanted)} (got {_describe(value)})"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{label} must be one of {json_util.dumps(schema['enum'])} (got {_describe(value)})")
    number = _number(value)
    if number is not None:
        if "minimum" in schema and (
            number < schema["minimum"] or (schema.get("exclusiveMinimum") and number == schema["minimum"])
        ):
            errors.append(f"{label} must be at least {schema['minimum']} (got {_describe(value)})")
        if "maximum" in schema and (
            number > schema["maximum"] or (schema.get("exclusiveMaximum") and number == schema["maximum"])
        ):
            errors.append(f"{label} must be at most {schema['maximum']} (got {_describe(value)})")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{label} must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{label} must have at most {schema['maxLength']} characters")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{label} must match the pattern {schema['pattern']!r} (got {_describe(value)})")
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{label} must have at least {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{label} must have at most {schema['maxItems']} items")
        if schema.get("uniqueItems") and len({json_util.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append(f"{label} must not repeat items")
        if isinstance(schema.get("items"), dict):
            for i, item in enumerate(value):
                errors += schema_errors(schema["items"], item, f"{path}.{i}" if path else str(i))
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"field `{path + '.' if path else ''}{name}` is required")
        properties = schema.get("properties", {})
        for name, sub in properties.items():
            if name in value:
                errors += schema_errors(sub, value[name], f"{path}.{name}" if path else name)
        patterns = schema.get("patternProperties", {})
        for name, item in value.items():
            for pattern, sub in patterns.items():
                if re.search(pattern, name):
                    errors += schema_errors(sub, item, f"{path}.{name}" if path else name)
        extra = schema.get("additionalProperties", True)
        unknown_fields = [n for n in value if n not in properties and not any(re.search(p, n) for p in patterns)]
        if extra is False and unknown_fields:
            errors.append(f"{label} has fields the schema does not allow: {', '.join(unknown_fields)}")
        elif isinstance(extra, dict):
            for name in unknown_fields:
                errors += schema_errors(extra, value[name], f"{path}.{name}" if path else name)
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            errors.append(f"{label} must have at least {schema['minProperties']} fields")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append(f"{label} must have at most {schema['maxProperties']} fields")
    for sub in schema.get("allOf", []):
        errors += schema_errors(sub, value, path)
    if "anyOf" in schema and not any(not schema_errors(sub, value, path) for sub in schema["anyOf"]):
        errors.append(f"{label} matches none of the anyOf alternatives")
    if "oneOf" in schema and sum(not schema_errors(sub, value, path) for sub in schema["oneOf"]) != 1:
        errors.append(f"{label} must match exactly one of the oneOf alternatives")
    if "not" in schema and not schema_errors(schema["not"], value, path):
        errors.append(f"{label} matches a schema it must not match")
    return errors


def _describe(value: Any) -> str:
    text = json_util.dumps(value)
    return text if len(text) <= 60 else text[:59] + "…"


def validator_errors(validator: dict, document: dict) -> list[str]:
    """Why a document fails a collection validator: $jsonSchema plus query operators."""
    from mongomock.filtering import filter_applies

    errors: list[str] = []
    rest = {k: v for k, v in validator.items() if k != "$jsonSchema"}
    if "$jsonSchema" in validator:
        errors += schema_errors(validator["$jsonSchema"], document)
    if rest:
        try:
            matches = filter_applies(rest, document)
        except NotImplementedError as exc:
            raise EmulationUnsupported(f"this validator ({exc})") from None
        if not matches:
            errors.append(f"the document does not match {_describe(rest)}")
    return errors


def unsupported_feature(exc: BaseException, known: frozenset[str]) -> str | None:
    """The MongoDB stage or operator (in ``known``) an emulated failure is about, or None."""
    for name in re.findall(r"\$[A-Za-z]+", str(exc)):
        if name in known:
            return name
    return None


def classify_failure(exc: BaseException, known: frozenset[str]) -> str | None:
    """Why an exception escaped mongomock while it ran a pipeline, as the text of an
    EmulationUnsupported, or None when it is MongoDB's refusal (the learner's mistake).

    mongomock raises NotImplementedError for what it lacks (and for an unknown stage name,
    which is the learner's typo); a Python error (TypeError, AssertionError, ...) raised from
    inside it means it could not evaluate a value, which mongod might accept or refuse: we
    cannot tell, so the attempt must not count against the learner."""
    feature = unsupported_feature(exc, known)
    if isinstance(exc, NotImplementedError):
        if "is not a valid operator" in str(exc) and feature is None:
            return None
        return f"{feature or 'a feature'} ({str(exc)[:300]})"
    if exc.__class__.__module__.startswith(("pymongo", "mongomock", "bson")):
        if feature and "Unrecognized" in str(exc):
            return f"{feature} ({str(exc)[:300]})"
        return None
    name = f"{feature} " if feature else ""
    return f"evaluating {name}in your pipeline ({type(exc).__name__}: {str(exc)[:200]})"
