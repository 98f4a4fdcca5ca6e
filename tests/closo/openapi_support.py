"""Check real responses against the OpenAPI schemas: the status must be documented for the
operation, and the body must match the schema documented for that status.

OpenAPI 3.0 schemas are JSON Schema with a few differences; `json_schema` converts the one
that matters here (`nullable`), and `$ref`s resolve inside the whole schema document."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator


def json_schema(node):
    """An OpenAPI 3.0 schema (or any part of one) as JSON Schema 2020-12."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        if "type" in node and "enum" not in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


class Operations:
    """The operations of one OpenAPI schema, found by method and request path."""

    def __init__(self, schema: dict):
        self.document = json_schema(schema)
        # Literal paths first: /standards/resolve is not /standards/{id}.
        self.routes = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "/?$"), method.upper(), operation)
            for path, methods in sorted(schema["paths"].items(), key=lambda p: p[0].count("{"))
            for method, operation in methods.items()
        ]

    def operation(self, method: str, path: str) -> dict:
        path = path.split("?")[0]
        for pattern, route_method, operation in self.routes:
            if route_method == method.upper() and pattern.match(path):
                return operation
        raise AssertionError(f"{method} {path} is in no operation of the schema")

    def problems(self, response, method: str, path: str) -> list[str]:
        """What is wrong with `response` to `method path` by the schema (nothing: [])."""
        operation = self.operation(method, path)
        where = f"{operation['operationId']} → {response.status_code}"
        documented = operation["responses"].get(str(response.status_code))
        if documented is None:
            return [f"{where}: status not documented ({', '.join(operation['responses'])})"]
        content = documented.get("content", {})
        media = response.get("Content-Type", "").split(";")[0]
        if not content:
            return [f"{where}: documented without a body, answered one"] if response.content else []
        if media not in content:
            return [f"{where}: {media} not documented ({', '.join(content)})"]
        if media != "application/json":
            return []
        schema = {"components": self.document["components"], **content[media]["schema"]}
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        return [
            f"{where}: {'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message[:200]}"
            for error in validator.iter_errors(response.json())
        ]
