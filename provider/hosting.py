"""Pulumi's component provider for the components, with what this project needs of its hosting: arguments as the
settings models expect them, and a component's refusal of its arguments as the caller's one-line problems.

- Integers: the hosting converts an integer argument from the wire's float and then hands over the float anyway
  (3.0), so that a problem would read `web_concurrency: 0.0 — …`; they are made ints again here.
- Plain arguments (every setting; only the values of `credentials` are Inputs): another resource's output, a secret
  or a value unknown during preview cannot be validated when the component is constructed, and the hosting would
  replace such a nested object by an empty one. Such an argument is refused here, naming it.
- A component's InvalidArguments would reach the caller wrapped, with a Python traceback; it is raised as invalid
  inputs instead, which the engine prints as the component's own lines.
"""
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError, InputPropertyError
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError

from django_observability.components.arguments import InvalidArguments

_PLAIN_ONLY = "is another resource's output, a secret or unknown until deployed; settings must be plain values"


class ComponentsProvider(ComponentProvider):
    def map_input_properties(self, inputs, properties: dict[str, PropertyDefinition], mapping: dict[str, str],
                             component_name: str, property_path: str):
        for schema_name, prop in properties.items():
            path = f"{property_path}.{schema_name}" if property_path else schema_name
            if isinstance(inputs, dict) and _output_where_plain(inputs.get(schema_name), prop):
                raise InputPropertyError(path, f"{path}: {_PLAIN_ONLY}")
        mapped = super().map_input_properties(inputs, properties, mapping, component_name, property_path)
        for schema_name, prop in properties.items():
            name = mapping[schema_name]
            if name in mapped:
                mapped[name] = _integers(mapped[name], prop)
        return mapped

    def construct(self, *args, **kwargs):
        try:
            return super().construct(*args, **kwargs)
        except ComponentInitError as error:
            if not isinstance(error.inner, InvalidArguments):
                raise
            message = str(error.inner)
            lines = [line.strip() for line in message.splitlines()[1:]]
            raise InputPropertiesError(message, [{"property_path": line.split(":", 1)[0], "reason": line}
                                                 for line in lines]) from None


def _output_where_plain(value: Any, prop: PropertyDefinition) -> bool:
    if isinstance(value, pulumi.Output):
        return bool(prop.plain)
    if isinstance(value, list) and prop.items:
        return any(_output_where_plain(item, prop.items) for item in value)
    if isinstance(value, dict) and prop.additional_properties:
        return any(_output_where_plain(item, prop.additional_properties) for item in value.values())
    return False  # a nested type's own properties are checked when it is mapped


def _integers(value: Any, prop: PropertyDefinition) -> Any:
    if prop.type == PropertyType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list) and prop.items:
        return [_integers(item, prop.items) for item in value]
    if isinstance(value, dict) and prop.additional_properties:
        return {key: _integers(item, prop.additional_properties) for key, item in value.items()}
    return value
