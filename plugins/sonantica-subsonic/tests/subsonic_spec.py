"""Validating answers against the OpenSubsonic OpenAPI document (``opensubsonic/openapi``), and
reading the XML answers back into the JSON shape, to compare the two formats field by field."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

OPENAPI = Path(__file__).parent / "opensubsonic" / "openapi"
NS = "{http://subsonic.org/restapi}"


def _retrieve(uri: str) -> Resource[Any]:
    path = Path(uri.removeprefix("file://"))
    return Resource(contents=json.loads(path.read_text()), specification=DRAFT7)


@cache
def success_schema(method: str) -> tuple[dict[str, Any], str]:
    """The schema of ``method``'s successful JSON answer and its base URI."""
    specific = OPENAPI / "endpoints" / method / f"{method[0].upper()}{method[1:]}SuccessResponse.json"
    if specific.exists():
        return {
            "type": "object",
            "required": ["subsonic-response"],
            "properties": {"subsonic-response": {"$ref": specific.as_uri()}},
        }, specific.as_uri()
    endpoint = json.loads((OPENAPI / "endpoints" / f"{method}.json").read_text())
    answer, base = endpoint["get"]["responses"]["200"], OPENAPI / "endpoints"
    if "$ref" in answer:  # a shared response: ../responses/EmptySubsonicResponse.json
        path = (base / answer["$ref"]).resolve()
        answer, base = json.loads(path.read_text()), path.parent
    ref = answer["content"]["application/json"]["schema"]["$ref"]
    target = (base / ref).resolve()
    if target.name == "SubsonicResponse.json":  # success or failure: hold a success to the success shape
        target = target.parent / "SubsonicResponse" / "SubsonicSuccessResponse.json"
        return {
            "type": "object",
            "required": ["subsonic-response"],
            "properties": {"subsonic-response": {"$ref": target.as_uri()}},
        }, target.as_uri()
    return {"$ref": target.as_uri()}, target.as_uri()


def failure_schema() -> dict[str, Any]:
    path = OPENAPI / "schemas" / "SubsonicResponse" / "SubsonicFailureResponse.json"
    return {
        "type": "object",
        "required": ["subsonic-response"],
        "properties": {"subsonic-response": {"$ref": path.as_uri()}},
    }


def validate(method: str, body: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``body`` is a valid successful answer of ``method``."""
    schema, _ = success_schema(method)
    registry: Registry[Any] = Registry(retrieve=_retrieve)
    jsonschema.Draft7Validator(schema, registry=registry).validate(body)


def validate_failure(body: dict[str, Any]) -> None:
    registry: Registry[Any] = Registry(retrieve=_retrieve)
    jsonschema.Draft7Validator(failure_schema(), registry=registry).validate(body)


def _xml_value(element: ET.Element) -> dict[str, Any]:
    value: dict[str, Any] = dict(element.attrib)
    for child in element:
        name = child.tag.removeprefix(NS)
        if not child.attrib and len(child) == 0:
            value.setdefault(name, []).append(child.text or "")  # a list of scalars
        else:
            value.setdefault(name, []).append(_xml_value(child))
    if element.text and element.text.strip() and len(element) == 0:
        value["value"] = element.text
    return value


def xml_as_json_shape(document: bytes) -> dict[str, Any]:
    """The XML answer as the JSON one would be with every scalar a string and every child a list."""
    root = ET.fromstring(document)
    assert root.tag == f"{NS}subsonic-response", root.tag
    return _xml_value(root)


def json_as_xml_shape(value: Any) -> Any:
    """The JSON answer normalised the same way (scalars as XML writes them, single children as lists)."""
    if isinstance(value, dict) and not value:
        return ""  # <nowPlaying/>: an empty element reads as empty text
    if isinstance(value, dict) and set(value) == {"value"}:
        return str(value["value"])  # an element with only text: <line>words</line>
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, dict):
                inner = json_as_xml_shape(item)
                out[key] = [inner if inner != {} else ""]
            elif isinstance(item, list):
                if item:
                    out[key] = [json_as_xml_shape(entry) for entry in item]
            elif isinstance(item, bool):
                out[key] = "true" if item else "false"
            else:
                out[key] = str(item)
        return out
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
