"""Check one test-client response against the OpenAPI schema, the way the fuzzer does."""

import functools

import requests
import schemathesis
from django.http import HttpResponse
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def api_schema() -> schemathesis.BaseSchema:
    """The schema ``/api/schema/`` serves, generated in-process (no request: a test's
    transaction would not survive the WSGI handler's connection checks)."""
    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def assert_matches_schema(response: HttpResponse, method: str, path: str) -> None:
    """Raise schemathesis' failure if the body breaks the schema of ``path`` (the OpenAPI
    template, e.g. ``/api/v1/cases/{id}/``) for the response's status."""
    operation = api_schema()[path][method.upper()]
    answer = schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method.upper(), f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=True,
        message=response.reason_phrase,
        http_version="1.1",
    )
    operation.validate_response(answer)
