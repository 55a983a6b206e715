"""jsonschema's keywords that could stall a worker, rewritten to take linear time.

Those that evaluate patterns do it by RE2: besides ``pattern`` and ``patternProperties``,
``additionalProperties`` and ``unevaluatedProperties`` match keys against
``patternProperties`` (through ``re``) to find the keys left over. ``uniqueItems`` hashes
each item once instead of comparing every pair. ``anyOf`` and ``oneOf`` stop each branch at
its first error and keep none as context: jsonschema's context errors point back at their
parent, cycles only the garbage collector frees, in pauses (0.3 to 1 s under an exploding
schema) that stop every thread. Each function follows jsonschema 4.26's own (``_keywords``
and ``_utils``, MIT), results and messages included.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from jsonschema.exceptions import ValidationError

from orderdesk.orderschemas.budget import spend
from orderdesk.orderschemas.patterns import search

Errors = Iterator[ValidationError]


def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Errors:
    if validator.is_type(instance, "string") and not search(patrn, instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, _: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in patterns.items():
        for key, value in instance.items():
            if search(patrn, key):
                yield from validator.descend(value, subschema, path=key, schema_path=patrn)


def _matched(key: str, schema: dict[str, Any]) -> bool:
    return any(search(patrn, key) for patrn in schema.get("patternProperties", {}))


def _listed(extras: Iterable[Any]) -> str:
    """``'a', 'b' were`` (jsonschema's ``extras_msg``)."""
    extras = list(extras)
    return ", ".join(repr(e) for e in extras) + (" was" if len(extras) == 1 else " were")


def additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    named = schema.get("properties", {})
    extras = {k for k in instance if k not in named and not _matched(k, schema)}
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(e) for e in sorted(extras))
            patterns = ", ".join(repr(p) for p in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            listed = _listed(sorted(extras, key=str))
            yield ValidationError(f"Additional properties are not allowed ({listed} unexpected)")


def unevaluated_properties(validator: Any, unevaluated: Any, instance: Any, schema: Any) -> Errors:
    if not validator.is_type(instance, "object"):
        return
    evaluated = _evaluated_keys(validator, instance, schema)
    failed = [
        key
        for key in instance
        if key not in evaluated
        and not _valid(validator.descend(instance[key], unevaluated, path=key, schema_path=key))
    ]
    if not failed:
        return
    if unevaluated is False:
        listed = _listed(sorted(failed, key=str))
        yield ValidationError(f"Unevaluated properties are not allowed ({listed} unexpected)")
    else:
        yield ValidationError(
            "Unevaluated properties are not valid under the given schema "
            f"({_listed(failed)} unevaluated and invalid)"
        )


def unique_items(validator: Any, unique: Any, instance: Any, schema: Any) -> Errors:
    if unique and validator.is_type(instance, "array") and not _distinct(instance):
        yield ValidationError(f"{instance!r} has non-unique elements")


def _distinct(items: list[Any]) -> bool:
    seen: set[Any] = set()
    for n, item in enumerate(items):
        if n % 1024 == 0:
            spend()  # one keyword, but maybe a million items
        if (key := _hashable(item)) in seen:
            return False
        seen.add(key)
    return True


def _hashable(value: Any) -> Any:
    """A key equal for values JSON Schema calls equal: true is not 1, but 1.0 is 1."""
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    if isinstance(value, int | float):
        # As text: crafted ints can share a hash (k * (2**61 - 1)); strings' hash is seeded.
        return (
            "number",
            str(int(value) if isinstance(value, float) and value.is_integer() else value),
        )
    if isinstance(value, list):
        return ("array", tuple(_hashable(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, _hashable(v)) for k, v in value.items()))
    return ("string", value)


def any_of(validator: Any, subschemas: list[Any], instance: Any, schema: Any) -> Errors:
    if not any(_valid_under(validator, instance, s, i) for i, s in enumerate(subschemas)):
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas")


def one_of(validator: Any, subschemas: list[Any], instance: Any, schema: Any) -> Errors:
    valid = (s for i, s in enumerate(subschemas) if _valid_under(validator, instance, s, i))
    first = next(valid, None)
    if first is None:
        yield ValidationError(f"{instance!r} is not valid under any of the given schemas")
    elif more := list(valid):
        reprs = ", ".join(repr(s) for s in [*more, first])
        yield ValidationError(f"{instance!r} is valid under each of {reprs}")


def _valid_under(validator: Any, instance: Any, subschema: Any, index: int) -> bool:
    return _valid(validator.descend(instance, subschema, schema_path=index))


def _valid(errors: Errors) -> bool:
    return next(errors, None) is None


def _evaluated_keys(validator: Any, instance: dict[str, Any], schema: Any) -> set[str]:
    """The keys of ``instance`` that some keyword of ``schema`` (or its subschemas) evaluates."""
    if validator.is_type(schema, "boolean"):
        return set()
    keys: set[str] = set()
    for keyword in ("$ref", "$dynamicRef"):
        if (ref := schema.get(keyword)) is not None:
            resolved = validator._resolver.lookup(ref)
            target = validator.evolve(schema=resolved.contents, _resolver=resolved.resolver)
            keys |= _evaluated_keys(target, instance, resolved.contents)
    properties = schema.get("properties")
    if validator.is_type(properties, "object"):
        keys |= properties.keys() & instance.keys()
    for keyword in ("additionalProperties", "unevaluatedProperties"):
        if (subschema := schema.get(keyword)) is not None:
            keys |= {k for k, v in instance.items() if _valid(validator.descend(v, subschema))}
    if "patternProperties" in schema:
        keys |= {k for k in instance if _matched(k, schema)}
    for key, subschema in schema.get("dependentSchemas", {}).items():
        if key in instance:
            keys |= _evaluated_keys(validator, instance, subschema)
    for keyword in ("allOf", "oneOf", "anyOf"):
        for subschema in schema.get(keyword, []):
            if _valid(validator.descend(instance, subschema)):
                keys |= _evaluated_keys(validator, instance, subschema)
    if "if" in schema:
        if validator.evolve(schema=schema["if"]).is_valid(instance):
            keys |= _evaluated_keys(validator, instance, schema["if"])
            if "then" in schema:
                keys |= _evaluated_keys(validator, instance, schema["then"])
        elif "else" in schema:
            keys |= _evaluated_keys(validator, instance, schema["else"])
    return keys


#: What replaces jsonschema's own keywords.
REPLACEMENTS = {
    "pattern": pattern,
    "patternProperties": pattern_properties,
    "additionalProperties": additional_properties,
    "unevaluatedProperties": unevaluated_properties,
    "uniqueItems": unique_items,
    "anyOf": any_of,
    "oneOf": one_of,
}
