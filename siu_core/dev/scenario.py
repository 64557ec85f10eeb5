"""A realistic business day of customer traffic for ``siu demo``: pure, seeded, no I/O.

It covers what real inboxes see: several languages, urgent complaints, returning customers,
the same text sent twice, platform re-deliveries of a whole webhook, batched webhook posts, and a
thread that gets closed and then reopened by a new message.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from siu_core.models import SimulatedMessage

#: Customer texts by topic of the example config, in several languages. Never shown as siu's words:
#: these are what customers write.
CORPUS: dict[str, list[tuple[str, str]]] = {
    "orders_shipping": [
        ("en", "Hi, where is my order #{n}? The tracking has not moved since Monday."),
        ("en", "Can I change the delivery address for order {n}? I moved last week."),
        ("es", "Hola, ¿cuándo llega mi pedido {n}? El envío dice en tránsito desde hace días."),
        ("id", "Halo, pesanan saya {n} belum sampai. Bisa cek penghantaran?"),
        ("zh", "你好，我的订单{n}什么时候发货？快递单号一直没有更新。"),
        ("pt", "Olá, o meu pedido {n} ainda não chegou. Podem verificar o envio?"),
    ],
    "returns_refunds": [
        ("en", "The mug from order {n} arrived cracked. How do I return it for a refund?"),
        ("en", "I received the wrong item, can I exchange it for the 250g bag?"),
        ("es", "Quiero un reembolso, la taza llegó rota."),
        ("zh", "收到的杯子是坏的，我要退货退款。"),
        ("pt", "Gostaria de fazer a devolução, o produto veio danificado."),
    ],
    "billing_payments": [
        ("en", "I paid with PayNow but the invoice still shows unpaid for order {n}."),
        ("en", "Can you send me a receipt with GST for my last payment?"),
        ("ms", "Saya sudah buat bayaran tetapi belum terima resit."),
        ("zh", "我已经付款了，请给我发票。"),
        ("pt", "Fiz o pagamento ontem, podem enviar a fatura?"),
    ],
    "product_questions": [
        ("en", "Is the Ethiopia Guji roast good for espresso or better as pour over?"),
        ("en", "When will the ceramic dripper in sand colour be back in stock?"),
        ("en", "What grind size should I use for my Chemex?"),
        ("es", "¿El café de Colombia es de tueste medio? Lo quiero para espresso."),
        ("zh", "这款咖啡豆适合做手冲吗？需要什么研磨度？"),
        ("fr", "Bonjour, ce café en grain convient-il pour un espresso ?"),
    ],
    "complaints": [
        ("en", "This is unacceptable. Third time my order is late and nobody answers!!!"),
        ("en", "Your courier was rude and left the parcel in the rain. Very disappointed."),
        ("es", "Es inaceptable, nadie responde. Quiero hablar con un responsable."),
        ("pt", "Péssimo atendimento, quero fazer uma reclamação."),
    ],
    "wholesale": [
        ("en", "We run a cafe in Tiong Bahru, do you have a wholesale price list and MOQ?"),
        ("en", "Could you send samples for our office? We'd order in bulk monthly."),
        ("zh", "请问有批发价格吗？我们是咖啡店。"),
        ("ms", "Kami mahu beli secara borong untuk kafe kami."),
    ],
    "other": [
        ("en", "Thanks so much, have a great weekend!"),
        ("en", "Are you open on public holidays?"),
        ("es", "¡Muchas gracias!"),
        ("fr", "Merci beaucoup pour votre aide."),
    ],
}

#: Urgent messages: the rules labeler must flag these (words from the example config's urgent list).
URGENT: list[tuple[str, str]] = [
    ("en", "URGENT: I was charged twice for order {n}, please refund ASAP!!!"),
    ("en", "Emergency - the gift for my mum's birthday tomorrow hasn't arrived, please help urgently"),
    ("es", "¡Urgente! Me cobraron dos veces el pedido {n}."),
    ("zh", "紧急！订单{n}被重复扣款，请马上处理！"),
]

FIRST_NAMES = ["Aisha", "Ben", "Chloe", "Dinesh", "Elena", "Farhan", "Grace", "Hiro", "Ines", "Jun",
               "Kavya", "Liam", "Mariana", "Nur", "Oscar", "Priya", "Qing", "Rafael", "Siti", "Tomas"]

StepKind = Literal["post", "redeliver", "close"]


@dataclass(frozen=True)
class Step:
    """One thing the demo does: post a (possibly batched) webhook, re-deliver the last one, or close a thread."""

    kind: StepKind
    channel: str
    messages: tuple[SimulatedMessage, ...] = ()
    customer_id: str | None = None


@dataclass
class Day:
    """The scripted day and what the pipeline should end up with."""

    steps: list[Step] = field(default_factory=list)
    unique_message_ids: set[str] = field(default_factory=set)
    same_text_repeats: int = 0
    redeliveries: int = 0
    urgent: int = 0
    closes: int = 0
    languages: set[str] = field(default_factory=set)


def _customer_id(channel: str, index: int) -> str:
    """A numeric customer id (every platform's simulate_webhook takes digits), distinct per channel, stable."""
    base = (10 + zlib.crc32(channel.encode("utf-8")) % 90) * 10**9
    return str(base + index)


def business_day(channels: list[str], messages: int = 300, *, seed: int = 7,
                 start: datetime | None = None) -> Day:
    """Script ``messages`` customer messages across ``channels`` over one working day."""
    if not channels:
        raise ValueError("business_day needs at least one channel")
    rng = random.Random(seed)
    start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=8)
    day = Day()
    customers: dict[str, list[str]] = {ch: [] for ch in channels}
    names: dict[str, str] = {}
    clock = start
    step_gap = timedelta(seconds=max(1, int(8 * 3600 / max(messages, 1))))
    sent = 0
    seq = 0
    closed_once = False

    def new_message(channel: str, customer: str, text: str, lang: str) -> SimulatedMessage:
        nonlocal seq, clock
        seq += 1
        clock += step_gap
        day.languages.add(lang)
        return SimulatedMessage(
            sender_id=customer,
            sender_name=names[customer],
            text=text,
            message_id=f"demo-{channel}-{seq:05d}",
            timestamp=clock,
        )

    while sent < messages:
        channel = channels[sent % len(channels)] if rng.random() < 0.7 else rng.choice(channels)
        pool = customers[channel]
        returning = bool(pool) and rng.random() < 0.35
        if returning:
            customer = rng.choice(pool)
        else:
            customer = _customer_id(channel, len(pool) + 1)
            pool.append(customer)
            names[customer] = f"{rng.choice(FIRST_NAMES)} {chr(65 + len(pool) % 26)}."
        roll = rng.random()
        if roll < 0.08:
            lang, template = rng.choice(URGENT)
            day.urgent += 1
        else:
            topic = rng.choice(list(CORPUS))
            lang, template = rng.choice(CORPUS[topic])
        text = template.format(n=rng.randint(1000, 9999))
        batch_size = 1
        if rng.random() < 0.1 and messages - sent >= 3:
            batch_size = rng.randint(2, 3)  # Meta batches several updates into one POST
        batch = [new_message(channel, customer, text, lang)]
        for _ in range(batch_size - 1):
            other_lang, other = rng.choice(CORPUS[rng.choice(list(CORPUS))])
            batch.append(new_message(channel, customer, other.format(n=rng.randint(1000, 9999)), other_lang))
        day.steps.append(Step("post", channel, tuple(batch)))
        day.unique_message_ids.update(m.message_id for m in batch)
        sent += len(batch)
        if rng.random() < 0.06:
            day.steps.append(Step("redeliver", channel))
            day.redeliveries += 1
        if sent < messages and rng.random() < 0.05:
            # The customer sends the very same text again: appended to the thread, not labeled twice.
            again = new_message(channel, customer, text, lang)
            day.steps.append(Step("post", channel, (again,)))
            day.unique_message_ids.add(again.message_id)
            day.same_text_repeats += 1
            sent += 1
        if not closed_once and sent >= messages // 3:
            # A conversation is wrapped up by a teammate; the customer writes again later: reopened.
            day.steps.append(Step("close", channel, customer_id=customer))
            day.closes += 1
            closed_once = True
            follow_up = new_message(channel, customer, "One more question about my last order, sorry!", "en")
            day.steps.append(Step("post", channel, (follow_up,)))
            day.unique_message_ids.add(follow_up.message_id)
            sent += 1
    return day
