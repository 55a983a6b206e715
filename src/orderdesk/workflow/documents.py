"""Workflow documents as files: read JSON or YAML, write the definition back out.

Reading only turns text into data; whether that data is a valid workflow is
``parse_workflow``'s question, so every surface reports the same problems at
the same JSON Pointers.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any

import yaml

#: The largest workflow document read (the API's default body bound).
MAX_DOCUMENT_BYTES = 1_048_576

_YAML_SUFFIXES = {".yaml", ".yml"}


class DocumentError(ValueError):
    """The text is not a JSON or YAML document (syntax, encoding, size, duplicate keys)."""


def document_format(name: str, text: str) -> str:
    """``json`` or ``yaml``: by the file's extension, else by its first character."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    return "json" if text.lstrip().startswith(("{", "[")) else "yaml"


def load_document(name: str, raw: bytes) -> Any:
    """The data in a JSON or YAML workflow document; DocumentError if it cannot be read."""
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not UTF-8 text (byte {error.start})") from None
    if document_format(name, text) == "json":
        return _load_json(text)
    return _load_yaml(text)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DocumentError(f"not valid JSON: key {key!r} appears twice in one object")
        found[key] = value
    return found


def _load_json(text: str) -> Any:
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice (plain PyYAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            # Merge keys (``<<``) may legitimately repeat what they merge; scalars only.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                mark = key_node.start_mark
                raise DocumentError(
                    f"not valid YAML: line {mark.line + 1}, column {mark.column + 1}: "
                    f"key {key!r} appears twice in one mapping"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str) -> Any:
    try:
        documents = list(yaml.load_all(text, Loader=_StrictLoader))  # _StrictLoader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise DocumentError(f"not valid YAML: {where}{error.problem or error}") from None
    except yaml.YAMLError as error:
        raise DocumentError(f"not valid YAML: {error}") from None
    if not documents:
        raise DocumentError("the file is empty")
    if len(documents) != 1:
        raise DocumentError(f"a file holds one YAML document; found {len(documents)}")
    return documents[0]


# --- writing -------------------------------------------------------------------


def compact_definition(definition: dict[str, Any]) -> dict[str, Any]:
    """The definition without the fields that only repeat defaults (null, false).

    ``parse_workflow`` reads both forms alike; this one is what a person writes.
    """
    return {
        "key": definition["key"],
        "name": definition["name"],
        "states": [_without_defaults(s) for s in definition["states"]],
        "transitions": [_without_defaults(t) for t in definition["transitions"]],
    }


def _without_defaults(part: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in part.items() if v is not None and v is not False}


class _FlowList(list[Any]):
    """A list written on one line: ``roles: [admin, supplier]``."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowList,
    lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True),
)


def definition_yaml(definition: dict[str, Any]) -> str:
    """The definition as YAML, field order kept, role lists on one line."""
    shown = compact_definition(definition)
    for transition in shown["transitions"]:
        transition["roles"] = _FlowList(transition["roles"])
    return yaml.dump(
        shown, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False
    )


def definition_json(definition: dict[str, Any]) -> str:
    return json.dumps(compact_definition(definition), indent=2, ensure_ascii=False)
