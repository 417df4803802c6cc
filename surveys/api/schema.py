"""OpenAPI generation: every operation documents the errors it can answer.

drf-spectacular documents the successful response of each operation; a client (and a schema-driven
tester) also needs the refusals. They all share one body (`errors.ErrorSerializer`).
"""

from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ErrorSerializer

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ApiSchema(AutoSchema):
    def _get_response_bodies(
        self, direction: Literal["request", "response"] = "response"
    ) -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": "Not authenticated, or the token is invalid.",
            "403": "Authenticated, but not allowed to do this on this study.",
            "404": "No such study (or not visible to you), object or page.",
            "429": "Too many failed token authentications from this address.",
        }
        if self.method in WRITE_METHODS or self._is_list_view():
            errors["400"] = "Invalid input or filter; `errors` names each problem."
        if self.method in WRITE_METHODS:
            errors["409"] = "Refused in the study's current state (see `detail`)."
        for code, description in errors.items():
            responses.setdefault(
                code,
                self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description),
                    code,
                    media_types=["application/json"],
                    direction=direction,
                ),
            )
        return dict(sorted(responses.items()))
