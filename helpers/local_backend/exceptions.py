"""The errors a backend rule raises; the front door answers them in the service's wire format."""

from __future__ import annotations


class ServiceError(Exception):
    """An error the service answers: its code (``__type``), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def validation(message: str) -> ServiceError:
    """SageMaker's ``ValidationException``: the request breaks a rule, nothing changed."""
    return ServiceError("ValidationException", message)
