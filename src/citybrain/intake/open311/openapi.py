"""The Open311 routes' parameters in the OpenAPI schema.

The routes read the raw query string and form (the spec's ``attribute[CODE]`` names do not fit declared
parameters), so FastAPI cannot see them: they are described here, for clients and for the schema fuzzer
(tests/web/test_schema_fuzz.py, bench/schema_fuzz.py).
"""

from __future__ import annotations

from typing import Any


def _param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


#: The GET filters, described for clients and for the schema fuzzer (they are read from the raw query string).
GET_FILTERS: dict[str, Any] = {
    "parameters": [
        _param("service_request_id", "comma-separated request numbers; the other filters are then ignored"),
        _param("service_code", "comma-separated service codes"),
        _param("start_date", "earliest requested_datetime (W3C); a bare date is local", format="date-time"),
        _param("end_date", "latest requested_datetime (W3C)", format="date-time"),
        _param("status", "open, closed or both (comma-separated)"),
        _param("page", "page number from 1", type="integer", minimum=1),
        _param("page_size", "requests per page", type="integer", minimum=1),
        _param("jurisdiction_id", "this server's jurisdiction (optional)"),
        _param("lang", "zh or en"),
    ]
}
#: The POST form (application/x-www-form-urlencoded, as the spec says; attribute[CODE] fields beside these).
POST_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["service_code"],
                    "properties": {
                        name: {"type": "string"}
                        for name in (
                            "api_key",
                            "service_code",
                            "lat",
                            "long",
                            "address_string",
                            "address_id",
                            "description",
                            "media_url",
                            "first_name",
                            "last_name",
                            "phone",
                            "email",
                            "device_id",
                            "account_id",
                            "jurisdiction_id",
                            "lang",
                        )
                    },
                }
            }
        },
    }
}
