"""Reads `Pulumi.<stack>.yaml` with the Pulumi CLI's own rules, so that the offline render and the engine agree on
what a stack file means:

- UTF-8, with a leading byte-order mark dropped; a mapping at the top, with a mapping under `config:`;
- a key written twice is refused at every level (as Pulumi's YAML reader refuses it);
- a key without a namespace is the project's (`webConcurrency` is `django-observability:webConcurrency`), and
  writing both forms is refused (Pulumi would keep either one);
- `<namespace>:config:<name>` is the old spelling of `<namespace>:<name>`.

Beyond Pulumi, what YAML readers disagree on or what cannot be settings is refused with the line it is on: an
unquoted date (PyYAML reads a date, Pulumi a string), a tag such as `!!python/object`, nesting deeper than
MAX_DEPTH and a file expanding to more than MAX_VALUES values (an alias bomb), each within bounded time and memory.
"""
from pathlib import Path
from typing import Any

import yaml

from django_observability.settings.problems import PROJECT, FileProblem, SettingsError

MAX_DEPTH = 50
"""Levels of nesting in a stack file; the deepest setting of the stacks here is 9 levels down."""
MAX_VALUES = 10_000
"""Values in a stack file once YAML aliases (*name) are expanded; the stacks here hold under 100."""


def encrypted(value: Any) -> bool:
    """A value written by `pulumi config set --secret`: `{secure: <ciphertext>}`, which only the Pulumi CLI
    decrypts."""
    return isinstance(value, dict) and set(value) == {"secure"}


class _Refused(Exception):
    def __init__(self, node_or_mark, problem: str):
        mark = getattr(node_or_mark, "start_mark", node_or_mark)
        super().__init__(f"line {mark.line + 1}: {problem}")


class _StackFileLoader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(self.peek_event().start_mark, f"nests deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        if _expanded_size(node, {}) > MAX_VALUES:
            raise _Refused(node, f"expands to more than {MAX_VALUES} values (through YAML aliases, *name); "
                                 "write the settings out")
        return node

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                raise _Refused(key_node, f"{key!r} appears twice in one mapping (first on line {seen[key]}); "
                                         "Pulumi refuses a duplicated key")
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node):
        raise _Refused(node, f"{node.value} is read by YAML as a date, which no setting is; quote it "
                             f"(\"{node.value}\") if it is text")

    def construct_undefined(self, node):
        raise _Refused(node, f"the tag {node.tag} is not plain YAML; a stack file holds only strings, numbers, "
                             "booleans, lists and mappings")


_StackFileLoader.add_constructor("tag:yaml.org,2002:timestamp", _StackFileLoader.construct_yaml_timestamp)
_StackFileLoader.add_constructor(None, _StackFileLoader.construct_undefined)


def _expanded_size(node, sizes: dict) -> int:
    """Values under `node` with every alias expanded, computed once per distinct node (so a bomb costs little);
    an alias inside its own anchor expands without end and counts as over the cap."""
    if id(node) not in sizes:
        sizes[id(node)] = MAX_VALUES + 1
        children = node.value if isinstance(node, yaml.SequenceNode) else (
            [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else [])
        sizes[id(node)] = 1 + sum(_expanded_size(child, sizes) for child in children)
    return sizes[id(node)]


def _document(path: Path) -> Any:
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Unreadable(f"is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})") from None
    try:
        return yaml.load(text, Loader=_StackFileLoader)
    except _Refused as refused:
        raise _Unreadable(str(refused)) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise _Unreadable(f"{where}not valid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise _Unreadable(f"not valid YAML: {error}") from None


class _Unreadable(Exception):
    pass


def _namespaced(key: str) -> str | None:
    """Pulumi's reading of a config key: `name` is the project's, `ns:name` and `ns:config:name` are `ns:name`."""
    parts = key.split(":")
    if len(parts) == 1:
        return f"{PROJECT}:{key}"
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == "config"):
        return f"{parts[0]}:{parts[-1]}"
    return None


def read_stack_file(stack: str, root: Path) -> dict[str, Any]:
    """Namespaced config key → value, as the Pulumi CLI reads `Pulumi.<stack>.yaml`. SettingsError says what
    makes the file unreadable, one line per problem, in the form `Pulumi.<stack>.yaml: <problem>`."""
    path = root / f"Pulumi.{stack}.yaml"

    def refuse(problem: str):
        return SettingsError(stack, [FileProblem(path.name, problem)])

    if not path.exists():
        raise refuse(f"does not exist: there is no stack {stack!r} in this project")
    try:
        document = _document(path)
    except _Unreadable as error:
        raise refuse(str(error)) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise refuse(f"must be a YAML mapping (config:, encryptionsalt:), not a {_kind(document)}")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise refuse(f"config: must be a mapping of settings, not a {_kind(config)}")
    namespaced, problems = {}, []
    for key, value in config.items():
        full = _namespaced(key) if isinstance(key, str) else None
        if full is None:
            problems.append(FileProblem(path.name, f"config key {key!r} is not <namespace>:<name>"))
        elif full in namespaced:
            problems.append(FileProblem(path.name, f"config keys {namespaced[full][0]!r} and {key!r} are both {full} "
                                                   "(Pulumi reads a key without a namespace as the project's); keep one"))
        else:
            namespaced[full] = (key, value)
    if problems:
        raise SettingsError(stack, problems)
    return {full: value for full, (_, value) in namespaced.items()}


def _kind(value) -> str:
    return {list: "list", dict: "mapping"}.get(type(value), f"single value ({type(value).__name__})")
