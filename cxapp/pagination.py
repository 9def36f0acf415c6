"""Pagination of the API's lists: DRF's limit/offset, strict about its parameters."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 2**31 - 1


class StrictLimitOffsetPagination(LimitOffsetPagination):
    """LimitOffsetPagination (default 50, at most 500 a page) that answers a malformed ``limit`` or ``offset``
    with 400 instead of silently using the default, so a client's bug shows up where it is."""

    max_limit = 500

    def _parameter(self, request, name: str, minimum: int, maximum: int) -> int | None:
        values = request.query_params.getlist(name)
        if not values:
            return None
        if len(values) > 1:
            raise ValidationError({name: "Give it once."})
        try:
            value = int(values[0])
        except ValueError:
            raise ValidationError({name: "A whole number is required."}) from None
        if not minimum <= value <= maximum:
            raise ValidationError({name: f"Between {minimum} and {maximum}."})
        return value

    def get_limit(self, request) -> int:
        limit = self._parameter(request, self.limit_query_param, 1, self.max_limit)
        return self.default_limit if limit is None else limit

    def get_offset(self, request) -> int:
        return self._parameter(request, self.offset_query_param, 0, MAX_OFFSET) or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {self.limit_query_param: (1, self.max_limit), self.offset_query_param: (0, MAX_OFFSET)}
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"] |= {"minimum": low, "maximum": high}
        return parameters
