"""The webhook sender and the alert notifier over one pooled aiohttp session."""

from adapters.http.notifier import AiohttpAlertNotifier, AlertNotDelivered
from adapters.http.sender import AiohttpWebhookSender
from adapters.http.session import create_client_session

__all__ = [
    "AiohttpAlertNotifier",
    "AiohttpWebhookSender",
    "AlertNotDelivered",
    "create_client_session",
]
