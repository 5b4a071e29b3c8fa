"""Sample messages for `insider seed`, SEED_DATA and the demo."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from random import Random

from insider_core import MessageRepository, MessageService, NewMessage

CHUNK_SIZE = 500
SAMPLE_TEXTS = (
    "Your order #{n} has shipped and will arrive tomorrow.",
    "Your verification code is {code}.",
    "Reminder: your appointment is tomorrow at 10:00.",
    "Insider campaign: 20% off everything this weekend only!",
    "Your package #{n} is out for delivery.",
)


def sample_messages(service: MessageService, count: int, rng: Random) -> Iterator[NewMessage]:
    for n in range(1, count + 1):
        text = SAMPLE_TEXTS[(n - 1) % len(SAMPLE_TEXTS)]
        content = text.format(n=rng.randint(10_000, 99_999), code=rng.randint(100_000, 999_999))
        phone = f"+90{rng.randint(5_000_000_000, 5_999_999_999)}"
        yield service.prepare(content, phone)


async def seed(
    repository: MessageRepository,
    service: MessageService,
    count: int,
    on_progress: Callable[[int], None] = lambda stored: None,
    rng: Random | None = None,
) -> int:
    """Store `count` sample messages in chunks; `on_progress` gets how many each chunk added."""
    samples = sample_messages(service, count, rng or Random())
    stored = 0
    while chunk := [message for _, message in zip(range(CHUNK_SIZE), samples, strict=False)]:
        added = await repository.add_many(chunk)
        stored += added
        on_progress(len(chunk))
    return stored


async def seed_if_empty(repository: MessageRepository, service: MessageService, count: int) -> int:
    if (await repository.stats()).total:
        return 0
    return await seed(repository, service, count)
