"""The rule-based labeler: keywords, urgency signals, summaries; valid labels with no AWS at all."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siu_core.config import SiuConfig, example_config
from siu_core.errors import ConfigError
from siu_core.labeling import Labeler, LabelInput, build_labeler
from siu_core.labeling.rules import RuleLabeler
from siu_core.models import Attachment, Interaction, MessageEvent, Participant
from siu_core.schemas import labels_schema, schema_errors


@pytest.fixture(scope="module")
def config() -> SiuConfig:
    return example_config()


@pytest.fixture(scope="module")
def rules(config: SiuConfig) -> RuleLabeler:
    return RuleLabeler.from_config(config)


def msg(text: str | None, kind: str = "text", attachments: tuple[str, ...] = ()) -> LabelInput:
    return LabelInput("m-1", "whatsapp", "c-1", kind, text, attachments)


def valid(config: SiuConfig, labels: object) -> list[str]:
    from jsonschema import Draft202012Validator

    data = labels.model_dump(mode="json")  # type: ignore[attr-defined]
    return [e.message for e in Draft202012Validator(labels_schema(config.topics)).iter_errors(data)]


@pytest.mark.parametrize(
    ("text", "topic", "language"),
    [
        ("Hi, where is my order? It should have arrived by now.", "orders_shipping", "en"),
        ("Hola, ¿cuándo llega mi pedido?", "orders_shipping", "es"),
        ("Boleh saya tahu status penghantaran pesanan saya?", "orders_shipping", "ms"),
        ("你好，我的订单什么时候发货？", "orders_shipping", "zh"),
        ("The mug arrived cracked, I want a refund", "returns_refunds", "en"),
        ("Quero a devolução, veio errado", "returns_refunds", "pt"),
        ("我想退款", "returns_refunds", "zh"),
        ("Can you send the GST invoice for my payment?", "billing_payments", "en"),
        ("Do you have the light roast beans in stock?", "product_questions", "en"),
        ("We run a cafe and want your wholesale price list", "wholesale", "en"),
        ("Somos mayorista, ¿tienen precios?", "wholesale", "es"),
        ("Bonjour, avez-vous des horaires d'ouverture ?", "other", "fr"),
        ("Guten Tag, haben Sie am Sonntag geöffnet?", "other", "de"),
    ],
)
def test_topics_by_keyword_in_several_languages(
    rules: RuleLabeler, config: SiuConfig, text: str, topic: str, language: str
) -> None:
    labels = rules.label(msg(text))
    assert (labels.topic, labels.language) == (topic, language)
    assert labels.labeler == "rules" and labels.fallback is False
    assert valid(config, labels) == []


def test_most_distinct_keywords_wins_and_ties_go_to_the_first_topic(rules: RuleLabeler) -> None:
    # 'refund' + 'broken' (returns) beat 'order' (orders)
    assert rules.explain(msg("My order came broken, refund please")).topic == "returns_refunds"
    # one keyword each: orders_shipping is listed first in the example taxonomy
    decision = rules.explain(msg("order and invoice"))
    assert decision.topic == "orders_shipping"
    assert decision.topic_keywords == ("order",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Please reply asap", "keyword:asap"),
        ("I was charged twice for one order", "keyword:charged twice"),
        ("Tolong segera balas", "keyword:segera"),
        ("请马上处理", "keyword:马上"),
        ("Es urgente, por favor", "keyword:urgente"),
        ("Bitte sofort antworten", "keyword:sofort"),  # built-in, not in the example config
        ("कृपया तुरंत जवाब दें", "keyword:तुरंत"),
        ("رد عاجل من فضلك", "keyword:عاجل"),
        ("Where is my parcel!!", "repeated-exclamation"),
        ("WHERE IS MY PARCEL, I PAID LAST WEEK", "capitals"),
    ],
)
def test_urgency_rules_say_why(rules: RuleLabeler, text: str, reason: str) -> None:
    decision = rules.explain(msg(text))
    assert decision.urgency == "urgent"
    assert reason in decision.urgency_reasons


@pytest.mark.parametrize("text", ["Where is my parcel?", "Thanks! Got it.", "I ordered from DHL and UPS last week"])
def test_calm_messages_are_normal(rules: RuleLabeler, text: str) -> None:
    decision = rules.explain(msg(text))
    assert (decision.urgency, decision.urgency_reasons) == ("normal", ())


def test_summary_is_the_customers_first_sentence_truncated(rules: RuleLabeler) -> None:
    labels = rules.label(msg("Hi! The grinder I bought last week makes a loud noise. Can you help? " + "x" * 300))
    assert labels.summary == "Hi! The grinder I bought last week makes a loud noise."
    long = rules.label(msg("word " * 200))
    assert len(long.summary) <= 120 and long.summary.endswith("…")


def test_media_only_messages_say_what_was_sent(rules: RuleLabeler, config: SiuConfig) -> None:
    labels = rules.label(msg(None, kind="image", attachments=("image", "image", "video")))
    assert (labels.topic, labels.urgency, labels.language, labels.summary) == (
        "other",
        "normal",
        "und",
        "[image, video]",
    )
    assert rules.label(msg("", kind="location")).summary == "[location]"
    captioned = rules.label(msg("Is this mug damaged?", kind="image", attachments=("image",)))
    assert captioned.summary == "Is this mug damaged? [image]"
    assert valid(config, labels) == []


def test_fallback_labels_say_so(rules: RuleLabeler) -> None:
    labels = rules.label(msg("where is my order"), fallback=True)
    assert (labels.labeler, labels.fallback) == ("rules-fallback", True)


def test_build_labeler_rules_needs_no_aws() -> None:
    code = (
        "import sys\n"
        "from siu_core.config import example_config\n"
        "from siu_core.labeling import LabelInput, build_labeler\n"
        "lab = build_labeler(example_config(), kind='rules')\n"
        "out = lab.label_batch([LabelInput('m', 'whatsapp', 'c', 'text', 'where is my order?')])\n"
        "print(lab.name, out[0].topic, 'boto3' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["rules", "orders_shipping", "False"]


def test_build_labeler_kinds(config: SiuConfig) -> None:
    rules = build_labeler(config.model_copy(update={"labeler": "rules"}))
    assert isinstance(rules, Labeler) and rules.name == "rules"
    bedrock = build_labeler(config, bedrock_client=object())
    assert isinstance(bedrock, Labeler) and bedrock.name == f"bedrock:{config.model_id}"
    assert build_labeler(config, kind="rules").name == "rules"
    with pytest.raises(ConfigError, match="not a labeler kind"):
        build_labeler(config, kind="gpt")


def test_label_input_from_event_takes_captions_and_media_types() -> None:
    event = MessageEvent(
        type="message",
        channel="whatsapp",
        account_id="123",
        customer=Participant(id="6591234567"),
        timestamp=datetime(2026, 1, 5, 3, 0, tzinfo=UTC),
        message_id="wamid.1",
        kind="image",
        attachments=[Attachment(type="image", media_id="m1", caption="is this cracked?")],
    )
    item = LabelInput.from_event(event)
    assert (item.text, item.attachment_types, item.customer_id) == ("is this cracked?", ("image",), "6591234567")
    button = event.model_copy(
        update={
            "kind": "interactive",
            "attachments": [],
            "interaction": Interaction(kind="button_reply", title="Track order"),
        }
    )
    assert LabelInput.from_event(button).text == "Track order"


@settings(max_examples=150, deadline=None)
@given(
    text=st.one_of(st.none(), st.text(max_size=400)),
    kinds=st.lists(st.sampled_from(["image", "audio", "file"]), max_size=3),
)
def test_any_message_gets_schema_valid_labels(text: str | None, kinds: list[str]) -> None:
    config = example_config()
    labels = RuleLabeler.from_config(config).label(msg(text, kind="text", attachments=tuple(kinds)))
    assert schema_errors("labels", labels.model_dump(mode="json")) == []
    assert valid(config, labels) == []
