"""A float array column: PostgreSQL ``real[]``, a JSON list on SQLite (the embedded demo mode).

Ratings are written and read as a whole survey's respondents x moments matrix (DESIGN section 3, "Storing
ratings"): one array per response, aligned to the survey's ordered moments, NULL = not experienced. Wide arrays
COPY in seconds for a million respondents, where a row per rating takes minutes and gigabytes.
"""

import json
import math

from django.db import models


class FloatArrayField(models.Field):
    description = "Array of floats (NULL elements allowed)"

    def __init__(self, *args, base_type: str = "real", **kwargs):
        self.base_type = base_type
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.base_type != "real":
            kwargs["base_type"] = self.base_type
        return name, path, args, kwargs

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return f"{self.base_type}[]"
        return "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        cleaned = [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in value]
        if connection.vendor == "postgresql":
            return cleaned
        return json.dumps(cleaned)

    def from_db_value(self, value, expression, connection):
        if value is None or isinstance(value, list):
            return value
        return json.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value)
        return value


class BoolArrayField(FloatArrayField):
    """Experienced flags, only stored where explicit flag columns were mapped."""

    def __init__(self, *args, **kwargs):
        kwargs["base_type"] = "boolean"
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("base_type", None)
        return name, path, args, kwargs
