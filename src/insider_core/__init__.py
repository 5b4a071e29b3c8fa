"""insider_core: the pure domain of insider-dispatch. No I/O library is imported here."""

from insider_core.activity import DeliveryActivity
from insider_core.breaker import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    ReceiverStatus,
    SendPermit,
)
from insider_core.clock import SystemClock
from insider_core.dispatch import DispatchConfig, Dispatcher
from insider_core.errors import (
    AlertNotDelivered,
    CacheUnavailable,
    DomainError,
    InvalidMessage,
    InvalidTransition,
    MessageNotFound,
    NotReplayable,
    StoreUnavailable,
)
from insider_core.message import Message, NewMessage
from insider_core.message_service import MessageService
from insider_core.outcome import ErrorKind, SendOutcome
from insider_core.ports import (
    AlertNotifier,
    Clock,
    MessageRepository,
    MessageSender,
    RecordChange,
    SendSlotLedger,
    SentCache,
    SharedRecords,
)
from insider_core.receiver_alerts import ReceiverAlerts
from insider_core.result_writer import BatchPhases, BatchReport, DispatchObserver
from insider_core.retry import RetryPolicy
from insider_core.scheduler import (
    MAX_BATCH_SIZE,
    MAX_PIPELINE,
    BatchSize,
    Pipeline,
    Scheduler,
    SchedulerConfig,
    SchedulerStatus,
)
from insider_core.send_rate import ClusterRateLimit, SendRate, SlotGrant, Unlimited
from insider_core.status import MessageStatus
from insider_core.text import shorten, utc_timestamp
from insider_core.validation import validate_new_message
from insider_core.values import (
    Alert,
    AttemptsInMinute,
    CachedPage,
    CachedSend,
    DeliveryAttempt,
    DeliveryResult,
    MessageStats,
    Page,
    PageRequest,
    ReceiverAlert,
)

__all__ = [
    "MAX_BATCH_SIZE",
    "MAX_PIPELINE",
    "Alert",
    "AlertNotDelivered",
    "AlertNotifier",
    "AttemptsInMinute",
    "BatchPhases",
    "BatchReport",
    "BatchSize",
    "BreakerConfig",
    "BreakerState",
    "CacheUnavailable",
    "CachedPage",
    "CachedSend",
    "CircuitBreaker",
    "Clock",
    "ClusterRateLimit",
    "DeliveryActivity",
    "DeliveryAttempt",
    "DeliveryResult",
    "DispatchConfig",
    "DispatchObserver",
    "Dispatcher",
    "DomainError",
    "ErrorKind",
    "InvalidMessage",
    "InvalidTransition",
    "Message",
    "MessageNotFound",
    "MessageRepository",
    "MessageSender",
    "MessageService",
    "MessageStats",
    "MessageStatus",
    "NewMessage",
    "NotReplayable",
    "Page",
    "PageRequest",
    "Pipeline",
    "ReceiverAlert",
    "ReceiverAlerts",
    "ReceiverStatus",
    "RecordChange",
    "RetryPolicy",
    "Scheduler",
    "SchedulerConfig",
    "SchedulerStatus",
    "SendOutcome",
    "SendPermit",
    "SendRate",
    "SendSlotLedger",
    "SentCache",
    "SharedRecords",
    "SlotGrant",
    "StoreUnavailable",
    "SystemClock",
    "Unlimited",
    "shorten",
    "utc_timestamp",
    "validate_new_message",
]
