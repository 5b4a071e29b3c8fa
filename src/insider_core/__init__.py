"""insider_core: the pure domain of insider-dispatch. No I/O library is imported here."""

from insider_core.activity import DeliveryActivity
from insider_core.batch_report import BatchPhases, BatchReport
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
from insider_core.failure_injection import FailureInjection
from insider_core.instance_agent import InstanceAgent
from insider_core.message import Message, NewMessage
from insider_core.message_service import MessageService
from insider_core.outcome import ErrorKind, SendOutcome
from insider_core.ports import (
    AlertNotifier,
    Clock,
    DispatchObserver,
    MessageRepository,
    MessageSender,
    RecordChange,
    SendRate,
    SendSlotLedger,
    SentCache,
    SharedRecords,
    Store,
)
from insider_core.receiver_alerts import ReceiverAlerts
from insider_core.retry import RetryPolicy
from insider_core.scheduler import (
    MAX_BATCH_SIZE,
    MAX_PIPELINE,
    Scheduler,
    SchedulerConfig,
    SchedulerStatus,
)
from insider_core.send_rate import ClusterRateLimit, Unlimited
from insider_core.service_breaker import BREAKER_RECORD, BreakerRecord, ServiceBreaker
from insider_core.service_control import InstanceIdentity, ServiceControl
from insider_core.service_state import (
    DECISION_RECORD,
    INSTANCE_PREFIX,
    InstanceBeat,
    SchedulerDecision,
    StartAnswer,
    StartOverrides,
)
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
    SlotGrant,
)

__all__ = [
    "BREAKER_RECORD",
    "DECISION_RECORD",
    "INSTANCE_PREFIX",
    "MAX_BATCH_SIZE",
    "MAX_PIPELINE",
    "Alert",
    "AlertNotDelivered",
    "AlertNotifier",
    "AttemptsInMinute",
    "BatchPhases",
    "BatchReport",
    "BreakerConfig",
    "BreakerRecord",
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
    "FailureInjection",
    "InstanceAgent",
    "InstanceBeat",
    "InstanceIdentity",
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
    "ReceiverAlert",
    "ReceiverAlerts",
    "ReceiverStatus",
    "RecordChange",
    "RetryPolicy",
    "Scheduler",
    "SchedulerConfig",
    "SchedulerDecision",
    "SchedulerStatus",
    "SendOutcome",
    "SendPermit",
    "SendRate",
    "SendSlotLedger",
    "SentCache",
    "ServiceBreaker",
    "ServiceControl",
    "SharedRecords",
    "SlotGrant",
    "StartAnswer",
    "StartOverrides",
    "Store",
    "StoreUnavailable",
    "SystemClock",
    "Unlimited",
    "shorten",
    "utc_timestamp",
    "validate_new_message",
]
