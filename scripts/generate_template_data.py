"""Write the example datasets of the bundled project templates.

Every row is composed from the hand-written phrase banks below with a seeded
``random.Random``, so running this again reproduces byte-identical files::

    python scripts/generate_template_data.py             # rewrite templates/*/data/
    python scripts/generate_template_data.py --out DIR   # write DIR/<template>/data/ instead

Each template gets ``data/train.jsonl`` and ``data/heldout.jsonl`` (rows never
seen in training) of chat rows whose assistant answer is one line of compact
JSON with a fixed key order. No network, no external data.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Row = dict[str, Any]
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
HELD_OUT_ROWS = 20


# --------------------------------------------------------------------------- rows and files


def chat_row(system: str | None, user: str, answer: dict[str, Any]) -> Row:
    """One dataset row: optional system prompt, the user's text, the JSON answer."""
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    content = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    messages.append({"role": "assistant", "content": content})
    return {"messages": messages}


def answer_of(row: Row) -> dict[str, Any]:
    """The parsed JSON answer of a row."""
    return json.loads(row["messages"][-1]["content"])


def split_held_out(
    rows: list[Row], label_of: Callable[[Row], str], size: int = HELD_OUT_ROWS
) -> tuple[list[Row], list[Row]]:
    """``(train, held_out)``: ``size`` rows taken in turn from each label, the rest to train."""
    queues: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        queues.setdefault(label_of(row), []).append(index)
    picked: list[int] = []
    while len(picked) < min(size, len(rows)):
        for label in sorted(queues):
            if queues[label] and len(picked) < size:
                picked.append(queues[label].pop(0))
    taken = set(picked)
    train = [row for index, row in enumerate(rows) if index not in taken]
    return train, [rows[index] for index in picked]


def write_jsonl(path: Path, rows: Sequence[Row]) -> None:
    """Write rows as UTF-8 JSON lines with ``\\n`` endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def with_article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


class Unique:
    """Remembers the user texts made so far, so no text appears twice in a template."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def add(self, text: str) -> bool:
        """Remember ``text``; False when it was already there."""
        if text in self.seen:
            return False
        self.seen.add(text)
        return True

    def attempts(self, count: int) -> Iterator[int]:
        """Attempt numbers 0, 1, 2... until ``count`` more texts were added; raises if stuck."""
        goal = len(self.seen) + count
        for attempt in range(count * 50):
            if len(self.seen) >= goal:
                return
            yield attempt
        raise RuntimeError(f"could not write {count} distinct texts; the phrase bank is too small")


def fill(text: str, slots: dict[str, str]) -> str:
    """``text`` with its ``{slot}`` names replaced; a name missing from ``slots`` raises."""
    return re.sub(r"\{(\w+)\}", lambda match: slots[match.group(1)], text)


# --------------------------------------------------------------------------- shared names

FIRST_NAMES = (
    "Maria", "James", "Aisha", "Wei", "Priya", "Lukas", "Fatima", "Oliver", "Sofia", "Hiroshi",
    "Chloe", "Daniel", "Amara", "Tomás", "Emma", "Noah", "Ana", "Mateo", "Leila", "Jack",
    "Grace", "Ivan", "Zoe", "Samuel", "Hannah", "Arjun", "Isabella", "Ethan", "Yuki", "Omar",
    "Nora", "Kwame", "Elif", "Diego", "Mia", "Rahul", "Freya", "Carlos", "Ines", "Ben",
)
LAST_NAMES = (
    "Gonzalez", "Carter", "Bello", "Chen", "Sharma", "Müller", "Haddad", "Smith", "Rossi",
    "Tanaka", "Martin", "Kim", "Okafor", "Silva", "Johansson", "Williams", "Pereira",
    "Fernández", "Nasser", "O'Brien", "Lee", "Petrov", "Dubois", "Mensah", "Schmidt", "Patel",
    "Costa", "Brown", "Sato", "Rahman", "Novak", "Boateng", "Yilmaz", "Morales", "Nguyen",
    "Iyer", "Larsen", "Ortega", "Walsh", "Cohen",
)


# --------------------------------------------------------------------------- triage

TRIAGE_SYSTEM = (
    "Triage the customer support ticket. Reply with JSON: category, urgency, summary, nextAction."
)
TRIAGE_CATEGORIES = ("billing", "technical", "account", "shipping", "refund", "feature_request")
TRIAGE_ROWS_PER_CATEGORY = 64


@dataclass(frozen=True)
class Ticket:
    """One kind of ticket: ways customers word it, and what triage makes of it.

    ``urgencies[0]`` is what the ticket alone implies; any other level needs a
    sentence that says so (from ``cues`` or the shared ``URGENCY_CUES``).
    ``summary`` and ``next_action`` may only use slots every problem mentions, and
    no numbers: order ids and amounts are in the ticket already.
    """

    category: str
    urgencies: tuple[str, ...]
    problems: tuple[str, ...]
    details: tuple[str, ...]
    summary: str
    next_action: str
    cues: dict[str, tuple[str, ...]] = field(default_factory=dict)


URGENCY_CUES = {
    "low": (
        "No rush on this.",
        "Not urgent, whenever you get a chance.",
        "Just flagging it, it's not a big deal.",
        "No hurry, I just wanted you to know.",
        "It can wait until next week.",
    ),
    "medium": (
        "Could you take a look this week?",
        "An update in the next few days would be great.",
        "I'd appreciate a reply when you can.",
        "Please let me know what you find.",
    ),
    "high": (
        "I need this sorted out today, please.",
        "This is the third time I'm writing about it.",
        "Please treat this as urgent.",
        "I really need an answer by tomorrow.",
        "I've been waiting for days and I'm getting frustrated.",
    ),
}
FEATURE_CUES = {
    "low": ("Just an idea!", "No rush, just a suggestion.", "Thanks for listening."),
    "medium": (
        "It would make a real difference.",
        "A lot of people in the reviews are asking for this too.",
        "It's the main thing keeping me from ordering more often.",
    ),
}

TICKETS = (
    # billing
    Ticket(
        "billing", ("medium", "high", "low"),
        (
            "I was charged twice for order {order}.",
            "My card shows two identical charges of {amount} for order {order}.",
            "You billed me {amount} two times for the same order ({order}).",
            "I only placed one order ({order}) but my bank statement shows the payment twice.",
            "Looks like order {order} went through twice on my credit card, {amount} each.",
        ),
        (
            "I only clicked the pay button once.",
            "I've attached a screenshot of my bank statement.",
            "The second charge is still showing as pending.",
            "My bank told me to contact you first.",
        ),
        "Charged twice for one order",
        "Refund the duplicate charge and confirm by email",
        {
            "critical": (
                "Now my account is overdrawn and my rent is due tomorrow.",
                "The second charge maxed out my card and I can't pay for anything else.",
            ),
        },
    ),
    Ticket(
        "billing", ("medium", "high", "low"),
        (
            "My Plus membership renewed for {amount} even though I cancelled it last month.",
            "I cancelled my Plus membership weeks ago, but you still charged me {amount} today.",
            "Why was I charged {amount} for Plus? I turned off auto-renew before the renewal date.",
            "I got a {amount} renewal charge for a membership I already cancelled.",
        ),
        (
            "I still have the cancellation confirmation email.",
            "I haven't used any Plus benefits since then.",
            "The app still says my membership ends this month.",
        ),
        "Charged for cancelled Plus membership",
        "Confirm the cancellation date and refund the renewal",
    ),
    Ticket(
        "billing", ("low", "medium"),
        (
            "The discount code {code} didn't apply at checkout, so I paid full price.",
            "I used the code {code} but the total didn't change.",
            "Your newsletter gave me the code {code}, but checkout says it's invalid.",
            "Code {code} was accepted, but the discount isn't on my receipt.",
        ),
        (
            "The email says the code is valid until the end of the month.",
            "I tried it in the app and on the website.",
            "It was my first order with you.",
        ),
        "Discount code {code} not applied",
        "Check whether the code was valid for the order and credit the discount if so",
    ),
    Ticket(
        "billing", ("low", "medium", "high"),
        (
            "I need an invoice for order {order} with our company name and VAT number.",
            "Can you reissue the invoice for order {order}? It's missing our company address.",
            "Our accounts team needs a proper VAT invoice for order {order}.",
            "The invoice for order {order} has my name on it instead of the company's.",
        ),
        (
            "I can send the company details in a reply.",
            "We ordered it through the business account.",
            "A plain receipt isn't enough for our bookkeeping.",
        ),
        "Company invoice needed",
        "Reissue the invoice with the company details",
    ),
    Ticket(
        "billing", ("medium", "high"),
        (
            "My card keeps getting declined at checkout, but my bank says everything is fine.",
            "Payment fails every time I try to pay with my Visa.",
            "Checkout won't accept my card, it just says the payment was declined.",
            "I've tried two different cards and both get declined on your site.",
        ),
        (
            "There's plenty of money in the account.",
            "I tried on my phone and on my laptop.",
            "The same card works everywhere else.",
        ),
        "Card payments declined at checkout",
        "Check the payment provider logs for the declined attempts and advise the customer",
    ),
    Ticket(
        "billing", ("medium", "low"),
        (
            "The {product} was listed at {low} but I was charged {high}.",
            "I paid {high} for the {product}, but the product page said {low}.",
            "My receipt says {high} for the {product} although your site showed {low}.",
        ),
        (
            "I took a screenshot of the product page.",
            "Shipping was supposed to be free too.",
            "Maybe the sale ended while I was checking out?",
        ),
        "Charged more than the listed price",
        "Check the price history of the {product} and refund the difference",
    ),
    Ticket(
        "billing", ("medium", "high"),
        (
            "I was charged {amount} but never got an order confirmation.",
            "The payment of {amount} left my account, but there's no order in my history.",
            "Checkout crashed after I paid, and now I have a {amount} charge and no order.",
        ),
        (
            "I'm not sure if I should order again.",
            "The charge is on my credit card from yesterday.",
            "I checked my spam folder too.",
        ),
        "Charged but no order created",
        "Find the payment and either create the order or refund it",
    ),
    # technical
    Ticket(
        "technical", ("medium", "high", "low"),
        (
            "The app crashes every time I open my order history on my {device}.",
            "Since the last update, the app closes itself when I tap Orders. I'm on {device}.",
            "Your app keeps crashing on my {device} as soon as I try to check out.",
            "The app won't open at all on my {device}, it just flashes and closes.",
        ),
        (
            "I already tried reinstalling it.",
            "My phone is fully updated.",
            "It worked fine last week.",
        ),
        "App crashing on {device}",
        "Ask for the app version and crash time, then escalate to the mobile team",
    ),
    Ticket(
        "technical", ("high", "medium"),
        (
            "I get 'Something went wrong' at the payment step every time.",
            "The checkout page freezes after I enter my card details.",
            "When I click Place order, the page reloads and my cart is empty.",
            "I can't finish checkout because the Pay button stays greyed out.",
        ),
        (
            "I tried in {browser} and in the app.",
            "I cleared my cache and cookies already.",
            "I've been trying for an hour.",
        ),
        "Customer cannot complete checkout",
        "Reproduce the checkout error and escalate to the web team",
    ),
    Ticket(
        "technical", ("medium", "low", "high"),
        (
            "My {gadget} won't pair with the app anymore.",
            "The app can't find my new {gadget} during setup.",
            "I can't connect the {gadget} to my Wi-Fi, setup fails at the last step.",
            "My {gadget} keeps disconnecting from the app every few minutes.",
        ),
        (
            "I've restarted the router and the device.",
            "Bluetooth is on and the app has all permissions.",
            "It's about two weeks old.",
        ),
        "{Gadget} won't connect to the app",
        "Send the reset and pairing steps for the {gadget} and ask for its firmware version",
    ),
    Ticket(
        "technical", ("medium", "low", "high"),
        (
            "The website won't load for me, just a blank white page in {browser}.",
            "I only see a blank page when I open your site in {browser}.",
            "Your homepage loads but the product pages are empty in {browser}.",
            "Nothing shows up on the website in {browser}, not even the menu.",
        ),
        (
            "It works on my phone.",
            "I disabled my ad blocker and it didn't help.",
            "My internet works fine otherwise.",
        ),
        "Website shows blank pages in {browser}",
        "Ask for a screenshot and console errors, and check the site status page",
    ),
    Ticket(
        "technical", ("high", "critical"),
        (
            "Our integration has been getting 500 errors from your orders API since {time}.",
            "Every call to the order status API has timed out since {time} today.",
            "Your API started returning 503 errors for our account at {time}.",
            "The webhooks for new orders stopped arriving at {time} and API calls fail.",
        ),
        (
            "Our API key hasn't changed.",
            "Nothing changed on our side.",
            "We see the errors on every endpoint.",
        ),
        "Orders API returning errors",
        "Escalate to the on-call engineer and share the incident status with the customer",
        {
            "critical": (
                "None of our customer orders are syncing and our warehouse is idle.",
                "This is blocking all of our shipments today.",
                "Our store is effectively down until this is fixed.",
            ),
        },
    ),
    Ticket(
        "technical", ("low", "medium"),
        (
            "I don't get order notifications in the app anymore.",
            "Push notifications stopped working on my {device}.",
            "I never get the 'out for delivery' alerts even though notifications are on.",
        ),
        (
            "Email notifications still arrive.",
            "I checked the settings on my phone twice.",
        ),
        "App notifications not arriving",
        "Check the notification settings and device registration, then guide the customer",
    ),
    Ticket(
        "technical", ("medium", "high", "low"),
        (
            "The firmware update on my {gadget} has been stuck at {pct}% for hours.",
            "My {gadget} froze during an update at {pct}% and now it won't respond.",
            "The update on my {gadget} hasn't moved from {pct}% since last night.",
        ),
        (
            "I'm afraid to unplug it.",
            "The light keeps blinking orange.",
            "The app says the device is offline.",
        ),
        "{Gadget} firmware update stuck",
        "Walk the customer through a safe restart and a manual firmware update",
    ),
    # account
    Ticket(
        "account", ("medium", "high", "low", "critical"),
        (
            "I'm locked out of my account after too many login attempts.",
            "My account got locked and the unlock link in the email has expired.",
            "I can't log in, it says my account is temporarily locked.",
            "After typing my password wrong a few times, I got locked out completely.",
        ),
        (
            "I know my password now, I just need access back.",
            "I have an order I need to track.",
            "It's been locked for more than a day.",
        ),
        "Customer locked out of account",
        "Verify the customer's identity and unlock the account",
        {
            "critical": (
                "I'm the only admin of our business account, so nobody on my team can order.",
                "Our whole purchasing team is blocked until I can get back in.",
            ),
        },
    ),
    Ticket(
        "account", ("medium", "low", "high"),
        (
            "The password reset email never arrives.",
            "I've requested a password reset five times and got nothing.",
            "Your reset link doesn't come through, and it's not in my spam folder.",
            "I forgot my password and the reset email isn't showing up.",
        ),
        (
            "I'm using the same email address I signed up with.",
            "Other emails from you arrive fine.",
        ),
        "Password reset email not received",
        "Check the email delivery logs and resend the reset link",
    ),
    Ticket(
        "account", ("low", "medium"),
        (
            "How do I change the email address on my account?",
            "I need to update my login email because I'm leaving my old job.",
            "Please switch my account to my new email address, I can't find the setting.",
        ),
        (
            "I still have access to the old address.",
            "I won't have access to the old inbox after Friday.",
        ),
        "Request to change account email",
        "Verify the customer's identity and update the email on the account",
    ),
    Ticket(
        "account", ("high", "critical"),
        (
            "Someone logged into my account and changed my delivery address.",
            "I got an order confirmation for {a_product} I never bought.",
            "There are orders in my account I didn't place, and my password no longer works.",
            "I got a login alert from another country and my saved card was used.",
        ),
        (
            "I didn't share my password with anyone.",
            "I've already called my bank.",
        ),
        "Possible account takeover",
        "Lock the account, cancel unshipped orders and reset the password",
        {
            "critical": (
                "They are placing new orders right now.",
                "Another order just went through while I'm writing this.",
                "My saved card is still on the account and keeps being charged.",
            ),
        },
    ),
    Ticket(
        "account", ("low", "medium"),
        (
            "Please delete my account and all the data you have about me.",
            "I'd like to close my account permanently.",
            "Under GDPR, I'm asking you to erase my account and personal data.",
            "How can I delete my account? I can't find the option anywhere.",
        ),
        (
            "I don't want to receive any more emails either.",
            "I have no open orders.",
        ),
        "Account deletion request",
        "Confirm the customer's identity and start the data deletion process",
    ),
    Ticket(
        "account", ("medium", "high", "critical"),
        (
            "I lost my phone and can't get the two-factor codes to log in.",
            "My authenticator app didn't move to my new phone, so I can't sign in.",
            "My two-step verification texts go to an old number I don't have anymore.",
        ),
        (
            "I still know my password.",
            "I can confirm my identity with my last order number.",
        ),
        "Lost access to two-factor authentication",
        "Verify the customer's identity and reset two-factor authentication",
        {
            "critical": (
                "I'm the admin of our company account and the whole team is blocked.",
                "Our payroll orders go through this account and they're due today.",
            ),
        },
    ),
    Ticket(
        "account", ("low", "medium"),
        (
            "I need to add {seats} colleagues to our business account.",
            "How do I give {seats} new team members access to our company account?",
            "Can you set up logins for {seats} more people in our purchasing team?",
        ),
        (
            "I'm the account admin.",
            "They all have company email addresses.",
        ),
        "Add users to business account",
        "Send the admin instructions for inviting users to the business account",
    ),
    Ticket(
        "account", ("low",),
        (
            "I accidentally created two accounts with different emails. Can you merge them?",
            "My order history is split between two accounts. Can you combine them?",
            "I have an old account and a new one, and I'd like everything in one place.",
        ),
        (
            "My Plus membership is on the older one.",
            "I'd like to keep the newer email.",
        ),
        "Request to merge duplicate accounts",
        "Merge the two accounts and move the order history",
    ),
    # shipping
    Ticket(
        "shipping", ("medium", "high", "low", "critical"),
        (
            "My order {order} was supposed to arrive {due} and it's still not here.",
            "Order {order} is {days} days late and I haven't heard anything.",
            "Where is my order {order}? The estimated delivery was {due}.",
            "The delivery date for order {order} has passed and tracking shows nothing new.",
        ),
        (
            "It's a birthday present.",
            "I paid for express shipping.",
            "I've already asked my neighbors.",
        ),
        "Order delayed past delivery date",
        "Check the carrier tracking and send the customer an update",
        {
            "critical": (
                "It's a space heater for my elderly mother, and her heating is broken.",
                "It has the insulin cooler for my son and we're travelling on Friday.",
            ),
        },
    ),
    Ticket(
        "shipping", ("medium", "low", "high"),
        (
            "The tracking for order {order} hasn't changed in {days} days.",
            "My parcel for order {order} has said 'in transit' for {days} days now.",
            "Tracking for order {order} has been stuck at the sorting center since last week.",
            "The tracking link for order {order} just says 'label created'.",
        ),
        (
            "The carrier says to ask the sender.",
            "I'd like it before the weekend if possible.",
        ),
        "Tracking not updating",
        "Open a trace with the carrier",
    ),
    Ticket(
        "shipping", ("high", "medium"),
        (
            "I entered the wrong address for order {order}. Can you change it before it ships?",
            "I just moved and order {order} is going to my old address, please update it.",
            "There's a typo in the street name on order {order}, can you fix it?",
            "Can you change the delivery address on order {order}? I'll be at my parents' place.",
        ),
        (
            "My account says it hasn't shipped yet.",
            "The apartment number is missing too.",
        ),
        "Delivery address change needed",
        "Update the address if the order hasn't shipped, otherwise contact the carrier",
    ),
    Ticket(
        "shipping", ("high", "medium", "critical"),
        (
            "Tracking says order {order} was delivered, but there's nothing at my door.",
            "I got a 'delivered' notification for order {order} but no package.",
            "The carrier marked order {order} as delivered yesterday and I never received it.",
        ),
        (
            "I was home all day.",
            "I checked the mailroom and asked the neighbors.",
            "There's no delivery photo.",
        ),
        "Order marked delivered but not received",
        "Open a missing parcel claim with the carrier and offer a replacement",
        {
            "critical": (
                "The parcel has my prescription medication in it and I'm out.",
                "It's the pulse oximeter my doctor told me to start using today.",
            ),
        },
    ),
    Ticket(
        "shipping", ("medium", "high", "low"),
        (
            "The box arrived crushed and the {fragile} inside is broken.",
            "My {fragile} came damaged, the packaging was torn open.",
            "The {fragile} from order {order} arrived broken.",
            "The {fragile} was delivered today and it's cracked.",
        ),
        (
            "I have photos of the box and the item.",
            "The driver left before I could check it.",
            "I'd like a replacement, not a refund.",
        ),
        "{Fragile} arrived damaged",
        "Ask for photos and ship a replacement {fragile}",
    ),
    Ticket(
        "shipping", ("medium", "low", "high"),
        (
            "I ordered the {product} but received {a_other}.",
            "Order {order} came with the wrong item: {a_other} instead of the {product}.",
            "You sent me {a_other}. I ordered the {product}.",
        ),
        (
            "The packing slip has my name on it.",
            "Do I need to send the wrong item back?",
        ),
        "Wrong item received instead of {product}",
        "Ship the correct {product} and send a prepaid return label for the wrong item",
    ),
    Ticket(
        "shipping", ("low",),
        (
            "Do you ship to {country}, and how long does delivery take?",
            "I'm in {country}. Can I order from you, and what does shipping cost?",
            "Is express delivery available to {country}?",
            "How long would a parcel take to reach {country}?",
        ),
        (
            "I'd like to order {a_product}.",
            "I'm planning a larger order for my office.",
        ),
        "Question about shipping to {country}",
        "Reply with delivery times and shipping costs for {country}",
    ),
    # refund
    Ticket(
        "refund", ("medium", "high", "low"),
        (
            "I returned the {product} {weeks} weeks ago and still haven't got my refund.",
            "Where is my refund for the {product}? You received the return weeks ago.",
            "The carrier confirmed my {product} return reached your warehouse, but no refund.",
            "I sent back the {product} and I'm still waiting for the money.",
        ),
        (
            "I have the return tracking number.",
            "Your site says refunds take 5 business days.",
        ),
        "Refund not received for returned {product}",
        "Check that the {product} return was processed and issue the refund",
    ),
    Ticket(
        "refund", ("low", "medium"),
        (
            "I'd like to return the {product}. It's not what I expected.",
            "How do I return the {product}? I've changed my mind.",
            "I want to send the {product} back for a refund, it's still unopened.",
            "Can I return the {product}? The color looks nothing like the photos.",
        ),
        (
            "It's still in the original box.",
            "I bought it {days} days ago.",
        ),
        "Return and refund request for {product}",
        "Send a prepaid return label and explain the refund timeline",
    ),
    Ticket(
        "refund", ("medium", "high", "low"),
        (
            "The {appliance} stopped working after {days} days and I want my money back.",
            "My {appliance} won't turn on anymore. I'd like a refund, not a replacement.",
            "I want a refund for the {appliance}, it broke after a week.",
        ),
        (
            "I followed the manual exactly.",
            "This is the second one that failed.",
        ),
        "Refund request for faulty {appliance}",
        "Approve the refund for the faulty {appliance} and send a return label",
    ),
    Ticket(
        "refund", ("medium", "low"),
        (
            "I only got {low} back, but I paid {high} for the {product}.",
            "My refund for the {product} was {low}, which is less than the {high} I paid.",
            "You refunded {low} instead of the full {high} for the {product}. Why?",
        ),
        (
            "Nobody told me about a restocking fee.",
            "The item was unused.",
        ),
        "Refund lower than the amount paid",
        "Review the refund for the {product} and pay out the missing difference",
    ),
    Ticket(
        "refund", ("low",),
        (
            "I know it's been more than 30 days, but can I still return the {product}?",
            "I missed the return window for the {product} by a few days. Can I still get a refund?",
            "The {product} was a gift and I only opened it now. Is a refund still possible?",
        ),
        (
            "It has never been used.",
            "I still have the receipt.",
        ),
        "Refund request outside return window",
        "Check the {product} against the return policy and reply with the options",
    ),
    Ticket(
        "refund", ("medium", "high"),
        (
            "You cancelled order {order} because it was out of stock. Where's my refund?",
            "Order {order} was cancelled on your side {days} days ago and I haven't been refunded.",
            "I got an email that order {order} couldn't be fulfilled, but no money back.",
        ),
        (
            "The charge is still on my card.",
            "I didn't cancel it myself.",
        ),
        "Refund missing for cancelled order",
        "Confirm the refund was issued and share the reference",
    ),
    # feature requests
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Please add a dark mode to the app.",
            "Any chance of a dark theme? The app is really bright at night.",
            "I'd love a dark mode option on the website.",
        ),
        ("I mostly shop in the evening.", "My eyes would thank you."),
        "Request for dark mode",
        "Log the dark mode request for the product team and thank the customer",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "It would be great to share my wishlist with family before my birthday.",
            "Can you add a way to share a wishlist link?",
            "I'd like to make my wishlist public so friends can see it.",
        ),
        ("Right now I send screenshots.",),
        "Request to share wishlists",
        "Log the wishlist sharing request for the product team and thank the customer",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Can you add a way to export our order history to CSV? Our accountant needs it.",
            "Please add an export button for past orders, ideally CSV or Excel.",
            "We'd like to download our whole order history at once instead of page by page.",
        ),
        ("We order for three offices.", "Copying it by hand takes hours."),
        "Request to export order history",
        "Log the export request for the product team and share the current workaround",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Please add {method} as a payment option.",
            "Do you plan to support {method} at checkout?",
            "I'd buy more often if I could pay with {method}.",
        ),
        ("Most shops I use offer it.",),
        "Request to support {method}",
        "Log the {method} request for the payments team and thank the customer",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Could you let customers pick a delivery time window?",
            "It would help a lot to choose an evening delivery slot, I work during the day.",
            "Please add scheduled delivery, I'm never home when packages arrive.",
        ),
        ("Other stores near me already do this.",),
        "Request for delivery time slots",
        "Log the delivery slot request for the logistics team",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Could you notify me when items on my wishlist go on sale?",
            "A price drop alert for saved items would be amazing.",
            "I'd love an email when something I saved gets cheaper.",
        ),
        ("I keep checking the same pages every day.",),
        "Request for price drop alerts",
        "Log the price alert request for the product team and thank the customer",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Please let me save more than one delivery address.",
            "I ship to my office and my home, and retyping the address every time is annoying.",
            "Can the app remember several addresses? I send a lot of gifts.",
        ),
        ("It would save me a lot of typing.",),
        "Request to save multiple addresses",
        "Log the multiple addresses request and explain the current address book",
        FEATURE_CUES,
    ),
    Ticket(
        "feature_request", ("low", "medium"),
        (
            "Our developers would like webhooks for order status changes.",
            "Could your API send an event when an order ships, instead of us polling?",
            "Please add webhooks for shipment updates, polling the API every minute is wasteful.",
        ),
        ("We integrate your orders with our warehouse system.",),
        "Request for order status webhooks",
        "Pass the webhook request to the API product manager",
        FEATURE_CUES,
    ),
)

PRODUCTS = (
    "standing desk", "office chair", "air fryer", "espresso machine", "blender",
    "gaming headset", "bluetooth speaker", "desk lamp", "winter jacket", "hiking backpack",
    "yoga mat", "cookware set", "electric kettle", "monitor", "mechanical keyboard",
    "duvet cover", "suitcase", "rain jacket", "coffee grinder",
)
APPLIANCES = (
    "air fryer", "espresso machine", "blender", "gaming headset", "bluetooth speaker",
    "desk lamp", "electric kettle", "monitor", "mechanical keyboard", "coffee grinder",
    "hair dryer", "electric toothbrush",
)
FRAGILE = (
    "desk lamp", "monitor", "espresso machine", "ceramic vase", "glass teapot", "wall mirror",
    "air fryer", "coffee table", "bluetooth speaker", "table lamp", "glass shelf",
)
GADGETS = (
    "smart speaker", "video doorbell", "security camera", "smart thermostat", "robot vacuum",
    "fitness tracker", "smart plug", "smartwatch", "baby monitor",
)
DEVICES = ("iPhone 13", "iPhone 15", "Pixel 8", "Galaxy S23", "Galaxy A54", "iPad", "OnePlus 11")
BROWSERS = ("Chrome", "Firefox", "Safari", "Edge")
COUNTRIES = (
    "Canada", "Mexico", "Ireland", "Australia", "Japan", "Norway", "Brazil", "New Zealand",
    "Switzerland", "Iceland", "South Korea",
)
PAYMENT_METHODS = ("PayPal", "Apple Pay", "Google Pay", "Klarna", "Venmo", "bank transfer")
PROMO_CODES = (
    "SPRING15", "WELCOME10", "FREESHIP", "SAVE20", "VIP25", "HOLIDAY30", "BACK2SCHOOL",
    "SUMMER20", "FIRSTORDER",
)
DUE_DAYS = ("on Monday", "on Tuesday", "yesterday", "last Friday", "on the 14th", "on the 3rd")
API_TIMES = ("9:40 am", "around 6 am", "midnight", "2:15 pm", "11:05 this morning", "4 pm")
GREETINGS = ("Hi,", "Hello,", "Hi there,", "Hello team,", "Hey,", "Good morning,", "Dear support,")
SIGN_OFFS = ("Thanks, {first}", "Thank you! {first}", "Regards, {first}", "- {first}",
             "Cheers, {first}", "Best, {first}")


NUMBER_SLOTS = ("order", "amount", "low", "high", "pct", "days", "weeks", "seats", "time")


def money(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high) * 100 + rng.choice((0, 49, 95, 99))


def dollars(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def triage_slots(rng: random.Random) -> dict[str, str]:
    product, other = rng.sample(PRODUCTS, 2)
    low = money(rng, 15, 400)
    high = low + money(rng, 5, 60)
    slots = {
        "order": f"#{rng.randint(100000, 999999)}",
        "amount": dollars(money(rng, 9, 600)),
        "low": dollars(low),
        "high": dollars(high),
        "product": product,
        "a_product": with_article(product),
        "a_other": with_article(other),
        "appliance": rng.choice(APPLIANCES),
        "fragile": rng.choice(FRAGILE),
        "gadget": rng.choice(GADGETS),
        "device": rng.choice(DEVICES),
        "browser": rng.choice(BROWSERS),
        "country": rng.choice(COUNTRIES),
        "method": rng.choice(PAYMENT_METHODS),
        "code": rng.choice(PROMO_CODES),
        "due": rng.choice(DUE_DAYS),
        "time": rng.choice(API_TIMES),
        "pct": str(rng.choice((12, 37, 42, 60, 64, 85, 99))),
        "days": str(rng.randint(3, 12)),
        "weeks": str(rng.randint(2, 5)),
        "seats": str(rng.randint(2, 12)),
        "first": rng.choice(FIRST_NAMES),
    }
    for name in ("gadget", "fragile"):
        slots[capitalized(name)] = capitalized(slots[name])
    return slots


def urgency_cue(ticket: Ticket, urgency: str, rng: random.Random) -> str | None:
    """A sentence that sets the urgency; none (half the time) when the ticket alone implies it."""
    if urgency == ticket.urgencies[0] and urgency != "critical" and rng.random() < 0.5:
        return None
    return rng.choice(ticket.cues.get(urgency) or URGENCY_CUES[urgency])


def write_ticket(ticket: Ticket, rng: random.Random) -> tuple[str, dict[str, Any]]:
    """A ticket text and its triage answer."""
    slots = triage_slots(rng)
    urgency = rng.choice(ticket.urgencies)
    sentences = [rng.choice(ticket.problems)]
    if rng.random() < 0.5:
        sentences.append(rng.choice(ticket.details))
    cue = urgency_cue(ticket, urgency, rng)
    if cue:
        sentences.append(cue)
    lines = [" ".join(sentences)]  # an email-like ticket: greeting and sign-off on their own lines
    if rng.random() < 0.4:
        lines.insert(0, rng.choice(GREETINGS))
    if rng.random() < 0.4:
        lines.append(rng.choice(SIGN_OFFS))
    text = fill("\n".join(lines), slots)
    if rng.random() < 0.06:  # some people write in lowercase
        text = text.lower()
    summary = fill(ticket.summary, slots)
    next_action = fill(ticket.next_action, slots)
    for used in re.findall(r"\{(\w+)\}", ticket.summary + ticket.next_action):
        if used in NUMBER_SLOTS or slots[used].lower() not in text.lower():
            raise AssertionError(f"{ticket.summary!r}: {{{used}}} is a number or not in: {text}")
    answer = {
        "category": ticket.category,
        "urgency": urgency,
        "summary": summary,
        "nextAction": next_action,
    }
    return text, answer


def triage_rows(rng: random.Random) -> list[Row]:
    """Tickets balanced over categories, and over the kinds of ticket within each."""
    rows: list[Row] = []
    texts = Unique()
    for category in TRIAGE_CATEGORIES:
        kinds = [ticket for ticket in TICKETS if ticket.category == category]
        for attempt in texts.attempts(TRIAGE_ROWS_PER_CATEGORY):
            text, answer = write_ticket(kinds[attempt % len(kinds)], rng)
            if texts.add(text):
                rows.append(chat_row(TRIAGE_SYSTEM, text, answer))
    return rows


# --------------------------------------------------------------------------- translate

TRANSLATE_SYSTEM = (
    "Translate the text into English; if it is already English, into Spanish. "
    "Reply with JSON: translation, detectedLanguage."
)
LANGUAGES = {
    "en": "English", "es": "Spanish", "fr": "French",
    "de": "German", "pt": "Portuguese", "it": "Italian",
}
TRANSLATE_ROWS_PER_LANGUAGE = 64

# Parallel texts: Latin American Spanish, Brazilian Portuguese. Slots: {name} (a
# first name), {city}, {day} ("on Monday"), {time} ("at 3 pm"), {n} (2-9) and
# {mins} (minutes), each rendered in the text's own language.
PHRASES: tuple[dict[str, str], ...] = (
    {
        "en": "Can we meet {day} {time}?",
        "es": "¿Podemos vernos {day} {time}?",
        "fr": "On peut se voir {day} {time} ?",
        "de": "Können wir uns {day} {time} treffen?",
        "pt": "Podemos nos encontrar {day} {time}?",
        "it": "Possiamo vederci {day} {time}?",
    },
    {
        "en": "The train to {city} is {mins} minutes late.",
        "es": "El tren a {city} lleva {mins} minutos de retraso.",
        "fr": "Le train pour {city} a {mins} minutes de retard.",
        "de": "Der Zug nach {city} hat {mins} Minuten Verspätung.",
        "pt": "O trem para {city} está {mins} minutos atrasado.",
        "it": "Il treno per {city} è in ritardo di {mins} minuti.",
    },
    {
        "en": "Where is the nearest pharmacy?",
        "es": "¿Dónde está la farmacia más cercana?",
        "fr": "Où se trouve la pharmacie la plus proche ?",
        "de": "Wo ist die nächste Apotheke?",
        "pt": "Onde fica a farmácia mais próxima?",
        "it": "Dov'è la farmacia più vicina?",
    },
    {
        "en": "I'd like to book a room for {n} nights.",
        "es": "Quisiera reservar una habitación para {n} noches.",
        "fr": "Je voudrais réserver une chambre pour {n} nuits.",
        "de": "Ich möchte ein Zimmer für {n} Nächte buchen.",
        "pt": "Eu gostaria de reservar um quarto para {n} noites.",
        "it": "Vorrei prenotare una camera per {n} notti.",
    },
    {
        "en": "Our flight to {city} was cancelled. We'll arrive a day later.",
        "es": "Cancelaron nuestro vuelo a {city}. Llegaremos un día más tarde.",
        "fr": "Notre vol pour {city} a été annulé. Nous arriverons un jour plus tard.",
        "de": "Unser Flug nach {city} wurde gestrichen. Wir kommen einen Tag später an.",
        "pt": "Nosso voo para {city} foi cancelado. Vamos chegar um dia depois.",
        "it": "Il nostro volo per {city} è stato cancellato. Arriveremo un giorno dopo.",
    },
    {
        "en": "Is breakfast included in the price?",
        "es": "¿El desayuno está incluido en el precio?",
        "fr": "Le petit-déjeuner est-il compris dans le prix ?",
        "de": "Ist das Frühstück im Preis inbegriffen?",
        "pt": "O café da manhã está incluído no preço?",
        "it": "La colazione è inclusa nel prezzo?",
    },
    {
        "en": "Excuse me, which platform does the train to {city} leave from?",
        "es": "Disculpe, ¿de qué andén sale el tren a {city}?",
        "fr": "Excusez-moi, de quel quai part le train pour {city} ?",
        "de": "Entschuldigung, von welchem Gleis fährt der Zug nach {city}?",
        "pt": "Com licença, de qual plataforma sai o trem para {city}?",
        "it": "Scusi, da quale binario parte il treno per {city}?",
    },
    {
        "en": "The hotel is ten minutes from the station.",
        "es": "El hotel está a diez minutos de la estación.",
        "fr": "L'hôtel est à dix minutes de la gare.",
        "de": "Das Hotel ist zehn Minuten vom Bahnhof entfernt.",
        "pt": "O hotel fica a dez minutos da estação.",
        "it": "L'hotel è a dieci minuti dalla stazione.",
    },
    {
        "en": "I lost my suitcase at the airport in {city}.",
        "es": "Perdí mi maleta en el aeropuerto de {city}.",
        "fr": "J'ai perdu ma valise à l'aéroport de {city}.",
        "de": "Ich habe meinen Koffer am Flughafen in {city} verloren.",
        "pt": "Perdi minha mala no aeroporto de {city}.",
        "it": "Ho perso la valigia all'aeroporto di {city}.",
    },
    {
        "en": "Could you call a taxi for us, please?",
        "es": "¿Nos podría pedir un taxi, por favor?",
        "fr": "Pourriez-vous nous appeler un taxi, s'il vous plaît ?",
        "de": "Könnten Sie uns bitte ein Taxi rufen?",
        "pt": "Você poderia chamar um táxi para nós, por favor?",
        "it": "Potrebbe chiamarci un taxi, per favore?",
    },
    {
        "en": "How do I get to the city center from here?",
        "es": "¿Cómo llego al centro desde aquí?",
        "fr": "Comment aller au centre-ville depuis ici ?",
        "de": "Wie komme ich von hier ins Stadtzentrum?",
        "pt": "Como eu chego ao centro da cidade daqui?",
        "it": "Come arrivo in centro da qui?",
    },
    {
        "en": "We land in {city} {day} {time}.",
        "es": "Aterrizamos en {city} {day} {time}.",
        "fr": "Nous atterrissons à {city} {day} {time}.",
        "de": "Wir landen {day} {time} in {city}.",
        "pt": "Vamos pousar em {city} {day} {time}.",
        "it": "Atterriamo a {city} {day} {time}.",
    },
    {
        "en": "Please keep your passport with you at all times.",
        "es": "Por favor, lleve su pasaporte consigo en todo momento.",
        "fr": "Veuillez garder votre passeport sur vous en permanence.",
        "de": "Bitte tragen Sie Ihren Reisepass immer bei sich.",
        "pt": "Por favor, mantenha o passaporte sempre com você.",
        "it": "Si prega di tenere sempre con sé il passaporto.",
    },
    {
        "en": "The museum is closed {day}. Buy your tickets online to skip the line.",
        "es": "El museo está cerrado {day}. Compra tus entradas en línea para no hacer fila.",
        "fr": "Le musée est fermé {day}. Achetez vos billets en ligne pour éviter la queue.",
        "de": "Das Museum ist {day} geschlossen. Kaufen Sie Tickets online, um nicht anzustehen.",
        "pt": "O museu fica fechado {day}. Compre os ingressos on-line para não pegar fila.",
        "it": "Il museo è chiuso {day}. Compra i biglietti online per evitare la coda.",
    },
    {
        "en": "A table for {n}, please. Do you have anything by the window?",
        "es": "Una mesa para {n}, por favor. ¿Tienen algo junto a la ventana?",
        "fr": "Une table pour {n}, s'il vous plaît. Vous avez quelque chose près de la fenêtre ?",
        "de": "Einen Tisch für {n} Personen, bitte. Haben Sie etwas am Fenster?",
        "pt": "Uma mesa para {n}, por favor. Vocês têm alguma perto da janela?",
        "it": "Un tavolo per {n}, per favore. Avete qualcosa vicino alla finestra?",
    },
    {
        "en": "Could we have the bill, please?",
        "es": "¿Nos trae la cuenta, por favor?",
        "fr": "Pourrions-nous avoir l'addition, s'il vous plaît ?",
        "de": "Könnten wir bitte die Rechnung haben?",
        "pt": "Pode trazer a conta, por favor?",
        "it": "Potremmo avere il conto, per favore?",
    },
    {
        "en": "I'm allergic to nuts. Does this dish contain any?",
        "es": "Tengo alergia a los frutos secos. ¿Este plato los lleva?",
        "fr": "Je suis allergique aux noix. Ce plat en contient-il ?",
        "de": "Ich bin allergisch gegen Nüsse. Sind in diesem Gericht welche?",
        "pt": "Tenho alergia a nozes. Este prato leva nozes?",
        "it": "Ho un'allergia alla frutta secca. Questo piatto ne contiene?",
    },
    {
        "en": "The soup was cold, but the dessert was excellent.",
        "es": "La sopa estaba fría, pero el postre estaba excelente.",
        "fr": "La soupe était froide, mais le dessert était excellent.",
        "de": "Die Suppe war kalt, aber der Nachtisch war ausgezeichnet.",
        "pt": "A sopa estava fria, mas a sobremesa estava excelente.",
        "it": "La zuppa era fredda, ma il dolce era ottimo.",
    },
    {
        "en": "We'd like two coffees and a glass of water, please.",
        "es": "Queremos dos cafés y un vaso de agua, por favor.",
        "fr": "Nous voudrions deux cafés et un verre d'eau, s'il vous plaît.",
        "de": "Wir hätten gern zwei Kaffee und ein Glas Wasser, bitte.",
        "pt": "Queremos dois cafés e um copo de água, por favor.",
        "it": "Vorremmo due caffè e un bicchiere d'acqua, per favore.",
    },
    {
        "en": "The kitchen closes {time}.",
        "es": "La cocina cierra {time}.",
        "fr": "La cuisine ferme {time}.",
        "de": "Die Küche schließt {time}.",
        "pt": "A cozinha fecha {time}.",
        "it": "La cucina chiude {time}.",
    },
    {
        "en": "Is there a vegetarian option on the menu?",
        "es": "¿Hay alguna opción vegetariana en el menú?",
        "fr": "Y a-t-il une option végétarienne au menu ?",
        "de": "Gibt es ein vegetarisches Gericht auf der Speisekarte?",
        "pt": "Tem alguma opção vegetariana no cardápio?",
        "it": "C'è un'opzione vegetariana nel menù?",
    },
    {
        "en": "Could you send me the report {day}?",
        "es": "¿Me puedes enviar el informe {day}?",
        "fr": "Tu peux m'envoyer le rapport {day} ?",
        "de": "Kannst du mir den Bericht {day} schicken?",
        "pt": "Você pode me mandar o relatório {day}?",
        "it": "Puoi mandarmi il report {day}?",
    },
    {
        "en": "I'm running late. Start without me.",
        "es": "Voy tarde. Empiecen sin mí.",
        "fr": "Je suis en retard. Commencez sans moi.",
        "de": "Ich verspäte mich. Fangt ohne mich an.",
        "pt": "Vou me atrasar. Comecem sem mim.",
        "it": "Sono in ritardo. Iniziate senza di me.",
    },
    {
        "en": "The meeting will now take place {day} {time}.",
        "es": "Ahora la reunión será {day} {time}.",
        "fr": "La réunion aura finalement lieu {day} {time}.",
        "de": "Das Meeting findet jetzt {day} {time} statt.",
        "pt": "Agora a reunião vai ser {day} {time}.",
        "it": "La riunione ora si terrà {day} {time}.",
    },
    {
        "en": "Please review the contract and let me know if you have any questions.",
        "es": "Por favor, revisa el contrato y avísame si tienes alguna pregunta.",
        "fr": "Merci de relire le contrat et de me dire si vous avez des questions.",
        "de": "Bitte prüfen Sie den Vertrag und melden Sie sich, wenn Sie Fragen haben.",
        "pt": "Por favor, revise o contrato e me avise se tiver alguma dúvida.",
        "it": "Per favore, rivedi il contratto e fammi sapere se hai domande.",
    },
    {
        "en": "I'm out of the office today. I'll reply {day}.",
        "es": "Hoy estoy fuera de la oficina. Responderé {day}.",
        "fr": "Je ne suis pas au bureau aujourd'hui. Je répondrai {day}.",
        "de": "Ich bin heute nicht im Büro. Ich antworte {day}.",
        "pt": "Hoje estou fora do escritório. Respondo {day}.",
        "it": "Oggi sono fuori ufficio. Risponderò {day}.",
    },
    {
        "en": "{name} will present the results to the team.",
        "es": "{name} presentará los resultados al equipo.",
        "fr": "{name} présentera les résultats à l'équipe.",
        "de": "{name} stellt dem Team die Ergebnisse vor.",
        "pt": "{name} vai apresentar os resultados para a equipe.",
        "it": "{name} presenterà i risultati al team.",
    },
    {
        "en": "The printer on the second floor isn't working again.",
        "es": "La impresora del segundo piso no funciona otra vez.",
        "fr": "L'imprimante du deuxième étage est encore en panne.",
        "de": "Der Drucker im zweiten Stock funktioniert schon wieder nicht.",
        "pt": "A impressora do segundo andar parou de funcionar de novo.",
        "it": "La stampante al secondo piano non funziona di nuovo.",
    },
    {
        "en": "Thanks for your help with the project, {name}.",
        "es": "Gracias por tu ayuda con el proyecto, {name}.",
        "fr": "Merci pour ton aide sur le projet, {name}.",
        "de": "Danke für deine Hilfe beim Projekt, {name}.",
        "pt": "Agradeço a sua ajuda com o projeto, {name}.",
        "it": "Grazie per l'aiuto con il progetto, {name}.",
    },
    {
        "en": "Can you share your screen? I can't see the slides.",
        "es": "¿Puedes compartir tu pantalla? No veo las diapositivas.",
        "fr": "Tu peux partager ton écran ? Je ne vois pas les diapositives.",
        "de": "Kannst du deinen Bildschirm teilen? Ich sehe die Folien nicht.",
        "pt": "Você pode compartilhar sua tela? Não estou vendo os slides.",
        "it": "Puoi condividere lo schermo? Non vedo le slide.",
    },
    {
        "en": "The deadline is {day}, so we need to hurry.",
        "es": "La fecha límite es {day}, así que tenemos que darnos prisa.",
        "fr": "La date limite est {day}, donc il faut se dépêcher.",
        "de": "Die Frist endet {day}, also müssen wir uns beeilen.",
        "pt": "O prazo é {day}, então precisamos correr.",
        "it": "La scadenza è {day}, quindi dobbiamo sbrigarci.",
    },
    {
        "en": "Welcome to the team, {name}! Let me know if you need anything.",
        "es": "¡Te damos la bienvenida al equipo, {name}! Avísame si necesitas algo.",
        "fr": "Bienvenue dans l'équipe, {name} ! Dis-moi si tu as besoin de quoi que ce soit.",
        "de": "Willkommen im Team, {name}! Sag Bescheid, wenn du etwas brauchst.",
        "pt": "Boas-vindas à equipe, {name}! Me avise se precisar de alguma coisa.",
        "it": "Ti diamo il benvenuto nel team, {name}! Fammi sapere se ti serve qualcosa.",
    },
    {
        "en": "I sent you the invoice by email yesterday.",
        "es": "Ayer te envié la factura por correo electrónico.",
        "fr": "Je t'ai envoyé la facture par e-mail hier.",
        "de": "Ich habe dir die Rechnung gestern per E-Mail geschickt.",
        "pt": "Eu te mandei a fatura por e-mail ontem.",
        "it": "Ti ho mandato la fattura via e-mail ieri.",
    },
    {
        "en": "The client wants {n} more copies of the catalog.",
        "es": "El cliente quiere {n} copias más del catálogo.",
        "fr": "Le client veut {n} exemplaires supplémentaires du catalogue.",
        "de": "Der Kunde möchte {n} weitere Exemplare des Katalogs.",
        "pt": "O cliente quer mais {n} cópias do catálogo.",
        "it": "Il cliente vuole altre {n} copie del catalogo.",
    },
    {
        "en": "Happy birthday, {name}! Have a wonderful day.",
        "es": "¡Feliz cumpleaños, {name}! Que tengas un día maravilloso.",
        "fr": "Joyeux anniversaire, {name} ! Passe une merveilleuse journée.",
        "de": "Alles Gute zum Geburtstag, {name}! Hab einen wunderschönen Tag.",
        "pt": "Feliz aniversário, {name}! Tenha um dia maravilhoso.",
        "it": "Buon compleanno, {name}! Passa una splendida giornata.",
    },
    {
        "en": "Don't forget to water the plants while I'm away.",
        "es": "No te olvides de regar las plantas mientras estoy fuera.",
        "fr": "N'oublie pas d'arroser les plantes pendant mon absence.",
        "de": "Vergiss nicht, die Pflanzen zu gießen, während ich weg bin.",
        "pt": "Não se esqueça de regar as plantas enquanto eu estiver fora.",
        "it": "Non dimenticare di annaffiare le piante mentre sono via.",
    },
    {
        "en": "Are you coming to dinner tonight?",
        "es": "¿Vienes a cenar esta noche?",
        "fr": "Tu viens dîner ce soir ?",
        "de": "Kommst du heute Abend zum Essen?",
        "pt": "Você vem jantar hoje à noite?",
        "it": "Vieni a cena stasera?",
    },
    {
        "en": "I left the keys under the mat.",
        "es": "Dejé las llaves debajo del tapete.",
        "fr": "J'ai laissé les clés sous le paillasson.",
        "de": "Ich habe die Schlüssel unter die Fußmatte gelegt.",
        "pt": "Deixei as chaves debaixo do tapete.",
        "it": "Ho lasciato le chiavi sotto lo zerbino.",
    },
    {
        "en": "The kids are already asleep. Come in quietly.",
        "es": "Los niños ya están dormidos. Entra sin hacer ruido.",
        "fr": "Les enfants dorment déjà. Entre sans faire de bruit.",
        "de": "Die Kinder schlafen schon. Komm leise rein.",
        "pt": "As crianças já estão dormindo. Entre em silêncio.",
        "it": "I bambini dormono già. Entra senza fare rumore.",
    },
    {
        "en": "Call me when you get home.",
        "es": "Llámame cuando llegues a casa.",
        "fr": "Appelle-moi quand tu arrives chez toi.",
        "de": "Ruf mich an, wenn du zu Hause bist.",
        "pt": "Me liga quando chegar em casa.",
        "it": "Chiamami quando arrivi a casa.",
    },
    {
        "en": "{name} is making pasta tonight. Do you want to join us?",
        "es": "{name} va a hacer pasta esta noche. ¿Quieres acompañarnos?",
        "fr": "{name} fait des pâtes ce soir. Tu veux te joindre à nous ?",
        "de": "{name} kocht heute Abend Pasta. Willst du mitessen?",
        "pt": "{name} vai fazer macarrão hoje à noite. Quer vir com a gente?",
        "it": "Stasera {name} fa la pasta. Vuoi unirti a noi?",
    },
    {
        "en": "We're going to the beach {day}. Do you want to come?",
        "es": "Vamos a la playa {day}. ¿Quieres venir?",
        "fr": "On va à la plage {day}. Tu veux venir ?",
        "de": "Wir fahren {day} an den Strand. Willst du mitkommen?",
        "pt": "Vamos à praia {day}. Quer vir?",
        "it": "Andiamo al mare {day}. Vuoi venire?",
    },
    {
        "en": "The heating is broken again. I've called the landlord.",
        "es": "La calefacción se volvió a descomponer. Ya llamé al propietario.",
        "fr": "Le chauffage est encore en panne. J'ai appelé le propriétaire.",
        "de": "Die Heizung ist schon wieder kaputt. Ich habe den Vermieter angerufen.",
        "pt": "O aquecedor quebrou de novo. Já liguei para o proprietário.",
        "it": "Il riscaldamento è di nuovo rotto. Ho chiamato il padrone di casa.",
    },
    {
        "en": "Can you pick up some bread on the way home?",
        "es": "¿Puedes comprar pan de camino a casa?",
        "fr": "Tu peux prendre du pain en rentrant ?",
        "de": "Kannst du auf dem Heimweg Brot mitbringen?",
        "pt": "Você pode comprar pão no caminho para casa?",
        "it": "Puoi prendere del pane tornando a casa?",
    },
    {
        "en": "See you at the cinema {time}.",
        "es": "Nos vemos en el cine {time}.",
        "fr": "On se retrouve au cinéma {time}.",
        "de": "Wir sehen uns {time} im Kino.",
        "pt": "A gente se vê no cinema {time}.",
        "it": "Ci vediamo al cinema {time}.",
    },
    {
        "en": "I miss you. Let's talk this weekend.",
        "es": "Te extraño. Hablemos este fin de semana.",
        "fr": "Tu me manques. On s'appelle ce week-end.",
        "de": "Ich vermisse dich. Lass uns am Wochenende reden.",
        "pt": "Estou com saudade. Vamos conversar neste fim de semana.",
        "it": "Mi manchi. Sentiamoci questo fine settimana.",
    },
    {
        "en": "My brother moved to {city} last year.",
        "es": "Mi hermano se mudó a {city} el año pasado.",
        "fr": "Mon frère a déménagé à {city} l'année dernière.",
        "de": "Mein Bruder ist letztes Jahr nach {city} gezogen.",
        "pt": "Meu irmão se mudou para {city} no ano passado.",
        "it": "Mio fratello si è trasferito a {city} l'anno scorso.",
    },
    {
        "en": "My sister lives in {city} and works as a nurse.",
        "es": "Mi hermana vive en {city} y trabaja como enfermera.",
        "fr": "Ma sœur habite à {city} et travaille comme infirmière.",
        "de": "Meine Schwester wohnt in {city} und arbeitet als Krankenschwester.",
        "pt": "Minha irmã mora em {city} e trabalha como enfermeira.",
        "it": "Mia sorella vive a {city} e fa l'infermiera.",
    },
    {
        "en": "It's going to rain all day tomorrow.",
        "es": "Mañana va a llover todo el día.",
        "fr": "Demain, il va pleuvoir toute la journée.",
        "de": "Morgen regnet es den ganzen Tag.",
        "pt": "Amanhã vai chover o dia todo.",
        "it": "Domani pioverà tutto il giorno.",
    },
    {
        "en": "Take a jacket, it's cold outside.",
        "es": "Llévate una chaqueta, hace frío afuera.",
        "fr": "Prends une veste, il fait froid dehors.",
        "de": "Nimm eine Jacke mit, draußen ist es kalt.",
        "pt": "Leve um casaco, está frio lá fora.",
        "it": "Prendi una giacca, fuori fa freddo.",
    },
    {
        "en": "The roads are icy this morning. Drive carefully.",
        "es": "Las carreteras están congeladas esta mañana. Maneja con cuidado.",
        "fr": "Les routes sont verglacées ce matin. Roule prudemment.",
        "de": "Die Straßen sind heute Morgen glatt. Fahr vorsichtig.",
        "pt": "As estradas estão congeladas hoje de manhã. Dirija com cuidado.",
        "it": "Stamattina le strade sono ghiacciate. Guida con prudenza.",
    },
    {
        "en": "It's very hot today. Drink plenty of water.",
        "es": "Hoy hace mucho calor. Toma mucha agua.",
        "fr": "Il fait très chaud aujourd'hui. Bois beaucoup d'eau.",
        "de": "Heute ist es sehr heiß. Trink viel Wasser.",
        "pt": "Hoje está muito quente. Beba bastante água.",
        "it": "Oggi fa molto caldo. Bevi molta acqua.",
    },
    {
        "en": "Do you have these shoes in a bigger size?",
        "es": "¿Tienen estos zapatos en una talla más grande?",
        "fr": "Vous avez ces chaussures dans une pointure plus grande ?",
        "de": "Haben Sie diese Schuhe eine Nummer größer?",
        "pt": "Vocês têm estes sapatos num número maior?",
        "it": "Avete queste scarpe in un numero più grande?",
    },
    {
        "en": "I'd like to return this shirt. It's too small.",
        "es": "Quisiera devolver esta camisa. Me queda chica.",
        "fr": "Je voudrais rendre cette chemise. Elle est trop petite.",
        "de": "Ich möchte dieses Hemd zurückgeben. Es ist zu klein.",
        "pt": "Eu gostaria de devolver esta camisa. Ficou pequena.",
        "it": "Vorrei restituire questa camicia. È troppo piccola.",
    },
    {
        "en": "The store opens {time}.",
        "es": "La tienda abre {time}.",
        "fr": "Le magasin ouvre {time}.",
        "de": "Der Laden öffnet {time}.",
        "pt": "A loja abre {time}.",
        "it": "Il negozio apre {time}.",
    },
    {
        "en": "Excuse me, where is the checkout?",
        "es": "Disculpe, ¿dónde está la caja?",
        "fr": "Excusez-moi, où est la caisse ?",
        "de": "Entschuldigung, wo ist die Kasse?",
        "pt": "Com licença, onde fica o caixa?",
        "it": "Scusi, dov'è la cassa?",
    },
    {
        "en": "This jacket is on sale until the end of the month.",
        "es": "Esta chaqueta está en oferta hasta fin de mes.",
        "fr": "Cette veste est en promotion jusqu'à la fin du mois.",
        "de": "Diese Jacke ist bis Ende des Monats im Angebot.",
        "pt": "Esta jaqueta está em promoção até o fim do mês.",
        "it": "Questa giacca è in saldo fino alla fine del mese.",
    },
    {
        "en": "Can I pay by card?",
        "es": "¿Puedo pagar con tarjeta?",
        "fr": "Je peux payer par carte ?",
        "de": "Kann ich mit Karte bezahlen?",
        "pt": "Posso pagar com cartão?",
        "it": "Posso pagare con la carta?",
    },
    {
        "en": "I have a doctor's appointment {day} {time}.",
        "es": "Tengo cita con el médico {day} {time}.",
        "fr": "J'ai rendez-vous chez le médecin {day} {time}.",
        "de": "Ich habe {day} {time} einen Arzttermin.",
        "pt": "Tenho consulta médica {day} {time}.",
        "it": "Ho un appuntamento dal medico {day} {time}.",
    },
    {
        "en": "I've had a headache since this morning.",
        "es": "Me duele la cabeza desde esta mañana.",
        "fr": "J'ai mal à la tête depuis ce matin.",
        "de": "Ich habe seit heute Morgen Kopfschmerzen.",
        "pt": "Estou com dor de cabeça desde hoje de manhã.",
        "it": "Ho mal di testa da stamattina.",
    },
    {
        "en": "Take one tablet twice a day after meals.",
        "es": "Tome un comprimido dos veces al día después de las comidas.",
        "fr": "Prenez un comprimé deux fois par jour après les repas.",
        "de": "Nehmen Sie zweimal täglich eine Tablette nach dem Essen.",
        "pt": "Tome um comprimido duas vezes ao dia após as refeições.",
        "it": "Prenda una compressa due volte al giorno dopo i pasti.",
    },
    {
        "en": "The clinic is closed on weekends.",
        "es": "La clínica está cerrada los fines de semana.",
        "fr": "La clinique est fermée le week-end.",
        "de": "Die Praxis ist am Wochenende geschlossen.",
        "pt": "A clínica fica fechada nos fins de semana.",
        "it": "La clinica è chiusa nel fine settimana.",
    },
    {
        "en": "My phone battery is almost dead.",
        "es": "A mi teléfono casi no le queda batería.",
        "fr": "Mon téléphone n'a presque plus de batterie.",
        "de": "Mein Handyakku ist fast leer.",
        "pt": "A bateria do meu celular está quase acabando.",
        "it": "La batteria del telefono è quasi scarica.",
    },
    {
        "en": "The Wi-Fi password is on the back of the router.",
        "es": "La contraseña del wifi está en la parte de atrás del router.",
        "fr": "Le mot de passe du wifi est au dos du routeur.",
        "de": "Das WLAN-Passwort steht auf der Rückseite des Routers.",
        "pt": "A senha do Wi-Fi está atrás do roteador.",
        "it": "La password del Wi-Fi è sul retro del router.",
    },
    {
        "en": "I can't open the attachment. Could you send it again?",
        "es": "No puedo abrir el archivo adjunto. ¿Me lo puedes volver a enviar?",
        "fr": "Je n'arrive pas à ouvrir la pièce jointe. Tu peux me la renvoyer ?",
        "de": "Ich kann den Anhang nicht öffnen. Kannst du ihn noch einmal schicken?",
        "pt": "Não consigo abrir o anexo. Pode mandar de novo?",
        "it": "Non riesco ad aprire l'allegato. Puoi rimandarlo?",
    },
    {
        "en": "Please restart your computer to finish the update.",
        "es": "Por favor, reinicie su computadora para terminar la actualización.",
        "fr": "Veuillez redémarrer votre ordinateur pour terminer la mise à jour.",
        "de": "Bitte starten Sie Ihren Computer neu, um das Update abzuschließen.",
        "pt": "Por favor, reinicie o computador para concluir a atualização.",
        "it": "Per favore, riavvia il computer per completare l'aggiornamento.",
    },
    {
        "en": "Your package will arrive {day}.",
        "es": "Tu paquete llegará {day}.",
        "fr": "Votre colis arrivera {day}.",
        "de": "Ihr Paket kommt {day} an.",
        "pt": "Seu pacote vai chegar {day}.",
        "it": "Il tuo pacco arriverà {day}.",
    },
    {
        "en": "Your order has shipped and will arrive in {n} days.",
        "es": "Tu pedido ya fue enviado y llegará en {n} días.",
        "fr": "Votre commande a été expédiée et arrivera dans {n} jours.",
        "de": "Ihre Bestellung wurde versandt und kommt in {n} Tagen an.",
        "pt": "Seu pedido foi enviado e vai chegar em {n} dias.",
        "it": "Il tuo ordine è stato spedito e arriverà tra {n} giorni.",
    },
    {
        "en": "Please do not disturb.",
        "es": "Por favor, no molestar.",
        "fr": "Merci de ne pas déranger.",
        "de": "Bitte nicht stören.",
        "pt": "Por favor, não perturbe.",
        "it": "Si prega di non disturbare.",
    },
    {
        "en": "Mind the gap between the train and the platform.",
        "es": "Cuidado con el espacio entre el tren y el andén.",
        "fr": "Attention à l'espace entre le train et le quai.",
        "de": "Bitte achten Sie auf den Spalt zwischen Zug und Bahnsteig.",
        "pt": "Cuidado com o vão entre o trem e a plataforma.",
        "it": "Attenzione allo spazio tra il treno e la banchina.",
    },
    {
        "en": "No parking in front of the gate.",
        "es": "Prohibido estacionar frente al portón.",
        "fr": "Stationnement interdit devant le portail.",
        "de": "Parken vor der Einfahrt verboten.",
        "pt": "Proibido estacionar em frente ao portão.",
        "it": "Divieto di sosta davanti al cancello.",
    },
    {
        "en": "This elevator is out of order. Please use the stairs.",
        "es": "Este elevador no funciona. Por favor, use las escaleras.",
        "fr": "Cet ascenseur est en panne. Merci de prendre l'escalier.",
        "de": "Dieser Aufzug ist außer Betrieb. Bitte benutzen Sie die Treppe.",
        "pt": "Este elevador está com defeito. Por favor, use a escada.",
        "it": "Questo ascensore è fuori servizio. Si prega di usare le scale.",
    },
    {
        "en": "Free Wi-Fi for guests. Ask at reception for the password.",
        "es": "Wifi gratis para huéspedes. Pida la contraseña en recepción.",
        "fr": "Wifi gratuit pour les clients. Demandez le mot de passe à la réception.",
        "de": "Kostenloses WLAN für Gäste. Das Passwort erhalten Sie an der Rezeption.",
        "pt": "Wi-Fi grátis para hóspedes. Peça a senha na recepção.",
        "it": "Wi-Fi gratuito per gli ospiti. Chiedete la password alla reception.",
    },
    {
        "en": "The exam starts {time}. Don't be late.",
        "es": "El examen empieza {time}. No llegues tarde.",
        "fr": "L'examen commence {time}. Ne sois pas en retard.",
        "de": "Die Prüfung beginnt {time}. Komm nicht zu spät.",
        "pt": "A prova começa {time}. Não se atrase.",
        "it": "L'esame inizia {time}. Non fare tardi.",
    },
    {
        "en": "{name} got the best grade in the class.",
        "es": "{name} sacó la mejor nota de la clase.",
        "fr": "{name} a eu la meilleure note de la classe.",
        "de": "{name} hat die beste Note der Klasse bekommen.",
        "pt": "{name} tirou a melhor nota da turma.",
        "it": "{name} ha preso il voto più alto della classe.",
    },
    {
        "en": "Could you help me with my homework?",
        "es": "¿Me puedes ayudar con la tarea?",
        "fr": "Tu peux m'aider à faire mes devoirs ?",
        "de": "Kannst du mir bei den Hausaufgaben helfen?",
        "pt": "Você pode me ajudar com a lição de casa?",
        "it": "Mi aiuti con i compiti?",
    },
    {
        "en": "The library closes {time}.",
        "es": "La biblioteca cierra {time}.",
        "fr": "La bibliothèque ferme {time}.",
        "de": "Die Bibliothek schließt {time}.",
        "pt": "A biblioteca fecha {time}.",
        "it": "La biblioteca chiude {time}.",
    },
    {
        "en": "{name} called while you were out. Please call back.",
        "es": "{name} llamó mientras no estabas. Por favor, devuélvele la llamada.",
        "fr": "{name} a appelé pendant ton absence. Merci de rappeler.",
        "de": "{name} hat angerufen, als du weg warst. Bitte ruf zurück.",
        "pt": "{name} ligou enquanto você estava fora. Por favor, retorne a ligação.",
        "it": "{name} ha chiamato mentre eri fuori. Per favore, richiama.",
    },
    {
        "en": "We won the match yesterday!",
        "es": "¡Ayer ganamos el partido!",
        "fr": "On a gagné le match hier !",
        "de": "Wir haben gestern das Spiel gewonnen!",
        "pt": "Ganhamos o jogo ontem!",
        "it": "Ieri abbiamo vinto la partita!",
    },
    {
        "en": "The concert was amazing. Thanks for the tickets!",
        "es": "El concierto fue increíble. ¡Gracias por las entradas!",
        "fr": "Le concert était génial. Merci pour les billets !",
        "de": "Das Konzert war fantastisch. Danke für die Karten!",
        "pt": "O show foi incrível. Valeu pelos ingressos!",
        "it": "Il concerto è stato fantastico. Grazie per i biglietti!",
    },
    {
        "en": "Sorry, I didn't understand. Could you speak more slowly?",
        "es": "Perdón, no entendí. ¿Podría hablar más despacio?",
        "fr": "Pardon, je n'ai pas compris. Pourriez-vous parler plus lentement ?",
        "de": "Entschuldigung, das habe ich nicht verstanden. Könnten Sie langsamer sprechen?",
        "pt": "Desculpe, não entendi. Poderia falar mais devagar?",
        "it": "Scusi, non ho capito. Potrebbe parlare più lentamente?",
    },
    {
        "en": "How much is a ticket to {city}?",
        "es": "¿Cuánto cuesta un boleto a {city}?",
        "fr": "Combien coûte un billet pour {city} ?",
        "de": "Was kostet eine Fahrkarte nach {city}?",
        "pt": "Quanto custa uma passagem para {city}?",
        "it": "Quanto costa un biglietto per {city}?",
    },
    {
        "en": "I'll wait for you in front of the station.",
        "es": "Te espero frente a la estación.",
        "fr": "Je t'attends devant la gare.",
        "de": "Ich warte vor dem Bahnhof auf dich.",
        "pt": "Te espero em frente à estação.",
        "it": "Ti aspetto davanti alla stazione.",
    },
    {
        "en": "The cat is hungry again. Did you feed it this morning?",
        "es": "El gato tiene hambre otra vez. ¿Le diste de comer esta mañana?",
        "fr": "Le chat a encore faim. Tu lui as donné à manger ce matin ?",
        "de": "Die Katze hat schon wieder Hunger. Hast du sie heute Morgen gefüttert?",
        "pt": "O gato está com fome de novo. Você deu comida para ele hoje de manhã?",
        "it": "Il gatto ha di nuovo fame. Gli hai dato da mangiare stamattina?",
    },
    {
        "en": "My grandmother is visiting us {day}.",
        "es": "Mi abuela viene a visitarnos {day}.",
        "fr": "Ma grand-mère vient nous voir {day}.",
        "de": "Meine Oma besucht uns {day}.",
        "pt": "Minha avó vem nos visitar {day}.",
        "it": "Mia nonna viene a trovarci {day}.",
    },
    {
        "en": "Could you turn the music down a little?",
        "es": "¿Podrías bajar un poco la música?",
        "fr": "Tu pourrais baisser un peu la musique ?",
        "de": "Könntest du die Musik etwas leiser machen?",
        "pt": "Você poderia abaixar um pouco a música?",
        "it": "Potresti abbassare un po' la musica?",
    },
    {
        "en": "The bus to the airport leaves every {mins} minutes.",
        "es": "El autobús al aeropuerto sale cada {mins} minutos.",
        "fr": "Le bus pour l'aéroport passe toutes les {mins} minutes.",
        "de": "Der Bus zum Flughafen fährt alle {mins} Minuten.",
        "pt": "O ônibus para o aeroporto sai a cada {mins} minutos.",
        "it": "L'autobus per l'aeroporto parte ogni {mins} minuti.",
    },
    {
        "en": "We're looking for an apartment in {city} for {n} months.",
        "es": "Buscamos un apartamento en {city} por {n} meses.",
        "fr": "Nous cherchons un appartement à {city} pour {n} mois.",
        "de": "Wir suchen für {n} Monate eine Wohnung in {city}.",
        "pt": "Estamos procurando um apartamento em {city} por {n} meses.",
        "it": "Cerchiamo un appartamento a {city} per {n} mesi.",
    },
    {
        "en": "{name} has a cold and won't come to school today.",
        "es": "{name} tiene un resfriado y hoy no va a ir a la escuela.",
        "fr": "{name} a un rhume et ne viendra pas à l'école aujourd'hui.",
        "de": "{name} ist erkältet und kommt heute nicht in die Schule.",
        "pt": "{name} pegou um resfriado e não vai à escola hoje.",
        "it": "{name} ha il raffreddore e oggi non viene a scuola.",
    },
    {
        "en": "Thank you for your order! We'll email you when it ships.",
        "es": "¡Gracias por tu pedido! Te enviaremos un correo cuando salga.",
        "fr": "Merci pour votre commande ! Nous vous écrirons dès son expédition.",
        "de": "Vielen Dank für Ihre Bestellung! Wir schreiben Ihnen, sobald sie versandt wird.",
        "pt": "Obrigado pelo seu pedido! Vamos te avisar por e-mail quando ele for enviado.",
        "it": "Grazie per il tuo ordine! Ti scriveremo quando verrà spedito.",
    },
)

# (en, es, fr, de, pt, it) for each slot value.
CITIES = (
    ("London", "Londres", "Londres", "London", "Londres", "Londra"),
    ("Paris", "París", "Paris", "Paris", "Paris", "Parigi"),
    ("Berlin", "Berlín", "Berlin", "Berlin", "Berlim", "Berlino"),
    ("Rome", "Roma", "Rome", "Rom", "Roma", "Roma"),
    ("Madrid", "Madrid", "Madrid", "Madrid", "Madri", "Madrid"),
    ("Lisbon", "Lisboa", "Lisbonne", "Lissabon", "Lisboa", "Lisbona"),
    ("Munich", "Múnich", "Munich", "München", "Munique", "Monaco di Baviera"),
    ("Vienna", "Viena", "Vienne", "Wien", "Viena", "Vienna"),
    ("Brussels", "Bruselas", "Bruxelles", "Brüssel", "Bruxelas", "Bruxelles"),
    ("Milan", "Milán", "Milan", "Mailand", "Milão", "Milano"),
    ("Geneva", "Ginebra", "Genève", "Genf", "Genebra", "Ginevra"),
    ("Amsterdam", "Ámsterdam", "Amsterdam", "Amsterdam", "Amsterdã", "Amsterdam"),
    ("Barcelona", "Barcelona", "Barcelone", "Barcelona", "Barcelona", "Barcellona"),
    ("Prague", "Praga", "Prague", "Prag", "Praga", "Praga"),
    ("Florence", "Florencia", "Florence", "Florenz", "Florença", "Firenze"),
    ("Zurich", "Zúrich", "Zurich", "Zürich", "Zurique", "Zurigo"),
)
DAYS = (
    ("on Monday", "el lunes", "lundi", "am Montag", "na segunda-feira", "lunedì"),
    ("on Tuesday", "el martes", "mardi", "am Dienstag", "na terça-feira", "martedì"),
    ("on Wednesday", "el miércoles", "mercredi", "am Mittwoch", "na quarta-feira", "mercoledì"),
    ("on Thursday", "el jueves", "jeudi", "am Donnerstag", "na quinta-feira", "giovedì"),
    ("on Friday", "el viernes", "vendredi", "am Freitag", "na sexta-feira", "venerdì"),
    ("on Saturday", "el sábado", "samedi", "am Samstag", "no sábado", "sabato"),
    ("on Sunday", "el domingo", "dimanche", "am Sonntag", "no domingo", "domenica"),
)
# When each kind of event plausibly happens (first and last hour); others: 8 to 20.
HOURS = {
    "We land in {city} {day} {time}.": (6, 23),
    "The kitchen closes {time}.": (21, 23),
    "See you at the cinema {time}.": (17, 22),
    "The store opens {time}.": (8, 10),
    "I have a doctor's appointment {day} {time}.": (8, 17),
    "The exam starts {time}. Don't be late.": (8, 15),
    "The library closes {time}.": (17, 22),
}
PEOPLE = (
    "Ana", "Lucas", "Marie", "Jonas", "Sofia", "Marco", "Elena", "Pedro", "Clara", "Thomas",
    "Inês", "Luca", "Camille", "Paul", "Laura", "Mateo", "Julia", "Hugo", "Giulia", "Felix",
    "Beatriz", "Léa", "Tobias", "Chiara", "Diego", "Emma", "Noah", "Lina", "Rafael", "Greta",
)


def clock(hour: int, minute: int, language: str) -> str:
    """``at <time>`` the way the language writes it (12-hour English, 24-hour elsewhere)."""
    if language == "en":
        suffix = "am" if hour < 12 else "pm"
        hour12 = hour - 12 if hour > 12 else hour
        return f"at {hour12}:{minute:02d} {suffix}" if minute else f"at {hour12} {suffix}"
    formats = {
        "es": ("a las {h}:{m}", "a las {h}:00"),
        "fr": ("à {h} h {m}", "à {h} h"),
        "de": ("um {h}:{m} Uhr", "um {h} Uhr"),
        "pt": ("às {h}h{m}", "às {h}h"),
        "it": ("alle {h}:{m}", "alle {h}:00"),
    }
    with_minutes, on_the_hour = formats[language]
    return (with_minutes if minute else on_the_hour).format(h=hour, m=f"{minute:02d}")


def translate_slots(rng: random.Random, hours: tuple[int, int]) -> Callable[[str], dict[str, str]]:
    """One choice of slot values, rendered in whichever language is asked for."""
    city, day = rng.choice(CITIES), rng.choice(DAYS)
    hour, minute = rng.randint(*hours), rng.choice((0, 0, 15, 30, 45))
    shared = {
        "name": rng.choice(PEOPLE),
        "n": str(rng.randint(2, 9)),
        "mins": str(rng.choice((5, 10, 15, 20, 25, 30, 40, 45))),
    }

    def render(language: str) -> dict[str, str]:
        index = list(LANGUAGES).index(language)
        return {
            **shared,
            "city": city[index],
            "day": day[index],
            "time": clock(hour, minute, language),
        }

    return render


def translate_rows(rng: random.Random) -> list[Row]:
    """Texts balanced over the six languages; each phrase appears in several languages."""
    rows: list[Row] = []
    texts = Unique()
    for language in LANGUAGES:
        target = "es" if language == "en" else "en"
        order = list(PHRASES)
        rng.shuffle(order)
        for attempt in texts.attempts(TRANSLATE_ROWS_PER_LANGUAGE):
            phrase = order[attempt % len(order)]
            render = translate_slots(rng, HOURS.get(phrase["en"], (8, 20)))
            text = fill(phrase[language], render(language))
            if texts.add(text):
                answer = {
                    "translation": fill(phrase[target], render(target)),
                    "detectedLanguage": LANGUAGES[language],
                }
                rows.append(chat_row(TRANSLATE_SYSTEM, text, answer))
    return rows


# --------------------------------------------------------------------------- redaction

REDACTION_SYSTEM = (
    "Replace personal data with [NAME], [EMAIL], [PHONE], [ADDRESS], [CARD] or [DOB]. "
    "Reply with JSON: redactedText, redactedCount, tags."
)
REDACTION_ROWS = 384

# The slots that hold personal data, and the tag that replaces each.
PERSONAL_SLOTS = {
    "name": "NAME", "first": "NAME", "last": "NAME", "name2": "NAME", "first2": "NAME",
    "email": "EMAIL", "email2": "EMAIL", "phone": "PHONE", "address": "ADDRESS",
    "card": "CARD", "dob": "DOB",
}

# Messages, notes and forms. Other slots ({order}, {ticket}, {date}, {day}, {time},
# {amount}, {exp}) are not personal data and stay as they are.
MESSAGES = (
    # support messages
    "Hi, this is {name}. Please update my phone number to {phone}.",
    "Please cancel my subscription. The account email is {email}. Thanks, {first}",
    "My card {card} was charged twice for order #{order}. Please refund one of them. {name}",
    "I moved to {address}. Can you update my billing address? - {first}",
    "You can reach me at {phone} or {email} any time after {time}.",
    "Please remove {email} from your mailing list.",
    "Hello, I'm {name} and I can't log in. My date of birth is {dob} if you need to verify.",
    "Please update my details: new email {email}, new phone {phone}.",
    "Hi support, I'm {name}, born {dob}. Please send a copy of my records to {address}.",
    "I paid with card {card} but my booking for {day} still isn't confirmed.",
    "Hey, it's {first}. New number: {phone}. Save it!",
    # agent and CRM notes
    "Customer {name} ({email}) called about order #{order}. Call back on {phone}.",
    "Spoke with {name} on {day}. Wants a callback at {phone} before {time}.",
    "Verified caller {name}, DOB {dob}. Password reset sent to {email}.",
    "Refund of {amount} approved for {name}, back to card {card}.",
    "Escalated ticket #{ticket} for {name}; prefers email ({email}) over phone.",
    "Caller gave the wrong date of birth ({dob}), so I did not discuss the account.",
    "Agent: Can I have your date of birth? Customer: Sure, it's {dob}.",
    "Customer: My email is {email}. Agent: Thanks, {first}, I've sent the reset link.",
    # deliveries
    "Ship to {name}, {address}. Phone for the courier: {phone}.",
    "The delivery for {name} at {address} was left with a neighbor.",
    "Please deliver to my office instead: {address}. Ask for {first} at reception.",
    "The package for {name} needs a signature. Address on file: {address}.",
    "Courier note: nobody home at {address}, call {phone} to rebook.",
    # HR and office
    "New hire: {name}, born {dob}, starts on {date}. Personal email: {email}.",
    "Emergency contact for {name}: {name2}, {phone}.",
    "{name} is on leave from {date}. Send urgent requests to {first2} at {email2}.",
    "Please update the payroll record for {name}; new address {address}.",
    "Interview with {name} confirmed for {day} at {time}. Candidate phone: {phone}.",
    "Reference check: {name2} can be reached at {email2} or {phone}.",
    # health
    "Patient {name}, DOB {dob}, is booked for a follow-up on {date}.",
    "Dr. {last} will call you at {phone} with your test results.",
    "Prescription ready for {name} (born {dob}). Pick it up at the front desk.",
    "Reminder for {first}: your dental cleaning is on {day} at {time}.",
    # housing
    "Tenant {name} at {address} reported a leaking tap.",
    "Ms. {last} from {address} asked us to call {phone} about the heating.",
    "Lease renewal for {name}, {address}, sent to {email} for signature.",
    # payments
    "Card number {card}, expiring {exp}, name on card {name}.",
    "Please charge the deposit to {card} and send the receipt to {email}.",
    "Lost wallet handed in: a card ({card}) and an ID for {name}, born {dob}.",
    # forms and records
    "Name: {name} | Email: {email} | Phone: {phone}",
    "Full name: {name}; Date of birth: {dob}; Address: {address}",
    "Contact: {name}, {phone}",
    "Member {name}, date of birth {dob}, card on file {card}.",
    # everyday messages
    "Hi {first}, can you send the signed contract to {email2} by {day}? Thanks, {first2}",
    "Thanks for the call, {first}! I'll text you the details at {phone}.",
    "{name} and {name2} are invited to the launch on {date}. RSVP to {email}.",
    "Table for four under {name}, please call {phone} if anything changes.",
    "School pickup: {first} will be collected by {name2} today. Contact: {phone}.",
    "Mr. {last} asked that all invoices go to {email} from now on.",
    # nothing personal
    "The printer on the third floor is out of toner again.",
    "Order #{order} is delayed because of the storm. New estimate: {date}.",
    "Our team meeting moved to {time} on {day}.",
    "Ticket #{ticket} resolved: the app was out of date.",
    "The refund of {amount} for order #{order} was processed on {date}.",
    "Reminder: quarterly reports are due on {date}.",
)

EMAIL_DOMAINS = (
    "gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "hotmail.co.uk",
    "brightlane.io", "northwind-logistics.com", "harborview.org", "mail.de",
)
STREETS = (
    "Maple", "Oak", "Cedar", "Elm", "Harbor", "Lincoln", "Willow", "Park", "Lake", "Hillcrest",
    "Sunset", "Church", "Mill", "Station", "King", "Queen", "Chestnut", "River",
)
STREET_TYPES = ("Street", "Avenue", "Road", "Lane", "Drive", "Court", "St", "Ave", "Rd")
US_CITIES = (  # city, state, first digits of its ZIP codes
    ("Austin", "TX", "787"), ("Denver", "CO", "802"), ("Boston", "MA", "021"),
    ("Seattle", "WA", "981"), ("Chicago", "IL", "606"), ("Portland", "OR", "972"),
    ("Atlanta", "GA", "303"), ("Phoenix", "AZ", "850"),
)
UK_CITIES = (("Leeds", "LS"), ("Bristol", "BS"), ("Manchester", "M"), ("Glasgow", "G"))
AREA_CODES = ("212", "312", "415", "503", "512", "617", "206", "303", "720")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def ascii_lower(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace("'", "")


def email_for(first: str, last: str, rng: random.Random) -> str:
    f, l = ascii_lower(first), ascii_lower(last)  # noqa: E741
    local = rng.choice((f"{f}.{l}", f"{f[0]}{l}", f"{f}{rng.randint(1, 99)}", f"{f}_{l}", l))
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def phone_number(rng: random.Random) -> str:
    """A number in a range set aside for fiction (555-01xx in the US, 07700 900xxx in the UK)."""
    area, end = rng.choice(AREA_CODES), digits(rng, 2)
    return rng.choice((
        f"({area}) 555-01{end}",
        f"+1 {area} 555 01{end}",
        f"{area}-555-01{end}",
        f"07700 900{digits(rng, 3)}",
        f"+44 7700 900{digits(rng, 3)}",
    ))


def street_address(rng: random.Random) -> str:
    street = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
    if rng.random() < 0.25:
        city, area = rng.choice(UK_CITIES)
        postcode = f"{area}{rng.randint(1, 19)} {rng.randint(1, 9)}{rng.choice('ABDEFHJLNPRT')}"
        flat = f"Flat {rng.randint(1, 12)}, " if rng.random() < 0.5 else ""
        return f"{flat}{rng.randint(1, 240)} {street}, {city} {postcode}{rng.choice('WXYZ')}"
    city, state, zip_prefix = rng.choice(US_CITIES)
    unit = f", Apt {rng.randint(1, 30)}{rng.choice('ABCD')}" if rng.random() < 0.3 else ""
    place = f"{city}, {state} {zip_prefix}{digits(rng, 2)}" if rng.random() < 0.5 else city
    return f"{rng.randint(2, 4999)} {street}{unit}, {place}"


def card_number(rng: random.Random) -> str:
    """A Luhn-valid number shaped like a Visa, Mastercard or Amex card."""
    prefix, length = rng.choice((("4", 16), ("4", 16), ("5" + str(rng.randint(1, 5)), 16),
                                 ("3" + rng.choice("47"), 15)))
    body = prefix + digits(rng, length - len(prefix) - 1)
    total = 0
    for position, digit in enumerate(reversed(body)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    number = body + str((10 - total % 10) % 10)
    groups = (4, 6, 5) if length == 15 else (4, 4, 4, 4)
    parts, start = [], 0
    for size in groups:
        parts.append(number[start:start + size])
        start += size
    return rng.choice((" ", "-")).join(parts)


def birth_date(rng: random.Random) -> str:
    year, month, day = rng.randint(1948, 2006), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((
        f"{day:02d}/{month:02d}/{year}",
        f"{month:02d}/{day:02d}/{year}",
        f"{MONTHS[month - 1]} {day}, {year}",
        f"{day} {MONTHS[month - 1]} {year}",
        f"{year}-{month:02d}-{day:02d}",
    ))


def redaction_slots(rng: random.Random) -> dict[str, str]:
    (first, first2), (last, last2) = rng.sample(FIRST_NAMES, 2), rng.sample(LAST_NAMES, 2)
    hour = rng.randint(8, 17)
    currency, cents = rng.choice(("$", "£", "€")), rng.choice(("00", "50", "99"))
    return {
        "name": f"{first} {last}", "first": first, "last": last,
        "name2": f"{first2} {last2}", "first2": first2,
        "email": email_for(first, last, rng), "email2": email_for(first2, last2, rng),
        "phone": phone_number(rng),
        "address": street_address(rng),
        "card": card_number(rng),
        "dob": birth_date(rng),
        "exp": f"{rng.randint(1, 12):02d}/{rng.randint(26, 31)}",
        "order": str(rng.randint(10000, 9999999)),
        "ticket": str(rng.randint(10000, 99999)),
        "date": f"{rng.choice(MONTHS)} {rng.randint(1, 28)}",
        "day": rng.choice(WEEKDAYS),
        "time": f"{hour - 12 if hour > 12 else hour}{rng.choice(('', ':30'))} "
        + ("pm" if hour >= 12 else "am"),
        "amount": f"{currency}{rng.randint(12, 480)}.{cents}",
    }


def redact(message: str, slots: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The message filled in, and its redaction answer."""
    names = re.findall(r"\{(\w+)\}", message)
    tags = [PERSONAL_SLOTS[name] for name in names if name in PERSONAL_SLOTS]
    placeholders = {name: f"[{tag}]" for name, tag in PERSONAL_SLOTS.items()}
    redacted = fill(message, {**slots, **placeholders})
    answer = {"redactedText": redacted, "redactedCount": len(tags), "tags": sorted(set(tags))}
    return fill(message, slots), answer


def redaction_rows(rng: random.Random) -> list[Row]:
    """Every message used about equally often, each time with different people and details."""
    rows: list[Row] = []
    texts = Unique()
    order = list(MESSAGES)
    rng.shuffle(order)
    for attempt in texts.attempts(REDACTION_ROWS):
        text, answer = redact(order[attempt % len(order)], redaction_slots(rng))
        if texts.add(text):
            rows.append(chat_row(REDACTION_SYSTEM, text, answer))
    return rows


# --------------------------------------------------------------------------- blank

BLANK_ROWS = 42  # 36 to train on, 6 held out
BLANK_HELD_OUT_ROWS = 6
INTRODUCTIONS = (
    "Hi, I'm {name}.",
    "My name is {name}.",
    "Hello! {name} here.",
    "Hey, this is {name}.",
    "Good morning, I'm {name}.",
    "{name} here, nice to meet you.",
    "Hi there, my name's {name}.",
)


def blank_rows(rng: random.Random) -> list[Row]:
    """Someone introduces themselves; the answer greets them by name (no system prompt)."""
    rows: list[Row] = []
    texts = Unique()
    for attempt in texts.attempts(BLANK_ROWS):
        name = rng.choice(FIRST_NAMES)
        text = INTRODUCTIONS[attempt % len(INTRODUCTIONS)].format(name=name)
        if texts.add(text):
            rows.append(chat_row(None, text, {"name": name, "greeting": f"Hello, {name}!"}))
    return rows


# --------------------------------------------------------------------------- main


@dataclass(frozen=True)
class TemplateData:
    """How one template's rows are written and how its held-out rows are chosen."""

    rows: Callable[[random.Random], list[Row]]
    seed: int
    label: Callable[[Row], str]
    held_out: int = HELD_OUT_ROWS


TEMPLATE_DATA = {
    "triage": TemplateData(triage_rows, 4104, lambda row: answer_of(row)["category"]),
    "translate": TemplateData(
        translate_rows, 4105, lambda row: answer_of(row)["detectedLanguage"]
    ),
    "redaction": TemplateData(
        redaction_rows, 4106, lambda row: str(min(answer_of(row)["redactedCount"], 3))
    ),
    "blank": TemplateData(blank_rows, 4107, lambda row: "", BLANK_HELD_OUT_ROWS),
}


def write_template_data(out: Path) -> dict[str, tuple[int, int]]:
    """Write ``out/<template>/data/{train,heldout}.jsonl``; ``{template: (train, held out)}``."""
    counts = {}
    for name, spec in TEMPLATE_DATA.items():
        rng = random.Random(spec.seed)
        rows = spec.rows(rng)
        rng.shuffle(rows)
        train, held_out = split_held_out(rows, spec.label, spec.held_out)
        write_jsonl(out / name / "data" / "train.jsonl", train)
        write_jsonl(out / name / "data" / "heldout.jsonl", held_out)
        counts[name] = (len(train), len(held_out))
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=TEMPLATES_DIR,
        help="folder holding one folder per template (default: the repository's templates/)",
    )
    args = parser.parse_args(argv)
    for name, (train, held_out) in write_template_data(args.out).items():
        print(f"{name}: {train} train rows, {held_out} held-out rows")


if __name__ == "__main__":
    main()
