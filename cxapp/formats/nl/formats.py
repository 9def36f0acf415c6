"""Dutch date formats over Django's own (which writes "2 december 2026"): the dd-mm-jjjj that Dutch CX teams write.
Every other format (decimal comma, "." between thousands) is Django's ``nl``."""

DATE_FORMAT = "d-m-Y"
DATETIME_FORMAT = "d-m-Y H:i"
SHORT_DATE_FORMAT = "d-m-Y"
SHORT_DATETIME_FORMAT = "d-m-Y H:i"
