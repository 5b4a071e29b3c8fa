"""The webhook sender and the alert notifier over one pooled aiohttp session."""

from adapters.http.notifier import AiohttpAlertNotifier
from adapters.http.sender import AiohttpWebhookSender
from adapters.http.session import create_client_session

__all__ = [
    "AiohttpAlertNotifier",
    "AiohttpWebhookSender",
    "create_client_session",
]
