"""Writes ``arkor/server/engine/tiny_corpus.txt``: the text ``arkor/tiny``'s tokenizer learns from.

The corpus is written for this project: support-ticket language, JSON records
with the camelCase keys the demo tasks use, short sentences in six languages,
PII-looking strings (made-up names, emails, phone numbers, addresses) and
chat-style replies. Deterministic: running it again gives the same bytes, so
the tiny model's tokenizer never changes by accident.

Run from the repository root: ``python scripts/build_tiny_corpus.py``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from arkor.server.engine.demo_dataset import (
    FIRST_NAMES,
    LAST_NAMES,
    SYSTEM_PROMPT,
    triage_example,
)

OUTPUT = Path(__file__).resolve().parent.parent / "arkor/server/engine/tiny_corpus.txt"
SEED = 20240611

# The same support sentences in English, Spanish, French, German, Portuguese, Italian.
PARALLEL = (
    ("en", "es", "fr", "de", "pt", "it"),
    ("Thank you for contacting us.", "Gracias por contactarnos.", "Merci de nous avoir contactés.",
     "Danke, dass Sie uns kontaktiert haben.", "Obrigado por entrar em contato.",
     "Grazie per averci contattato."),
    ("My order has not arrived yet.", "Mi pedido todavía no ha llegado.",
     "Ma commande n'est pas encore arrivée.", "Meine Bestellung ist noch nicht angekommen.",
     "Meu pedido ainda não chegou.", "Il mio ordine non è ancora arrivato."),
    ("I cannot log in to my account.", "No puedo iniciar sesión en mi cuenta.",
     "Je ne peux pas me connecter à mon compte.", "Ich kann mich nicht in mein Konto einloggen.",
     "Não consigo entrar na minha conta.", "Non riesco ad accedere al mio account."),
    ("I was charged twice.", "Me cobraron dos veces.", "J'ai été débité deux fois.",
     "Mir wurde zweimal berechnet.", "Fui cobrado duas vezes.", "Mi è stato addebitato due volte."),
    ("Please cancel my subscription.", "Por favor, cancele mi suscripción.",
     "Veuillez annuler mon abonnement.", "Bitte kündigen Sie mein Abonnement.",
     "Por favor, cancele minha assinatura.", "Per favore, annullate il mio abbonamento."),
    ("The app crashes when I open it.", "La aplicación se cierra cuando la abro.",
     "L'application plante quand je l'ouvre.", "Die App stürzt ab, wenn ich sie öffne.",
     "O aplicativo trava quando eu o abro.", "L'app si blocca quando la apro."),
    ("We will reply within one business day.", "Responderemos en un día hábil.",
     "Nous répondrons sous un jour ouvré.", "Wir antworten innerhalb eines Werktages.",
     "Responderemos em um dia útil.", "Risponderemo entro un giorno lavorativo."),
    ("Where can I download my invoice?", "¿Dónde puedo descargar mi factura?",
     "Où puis-je télécharger ma facture ?", "Wo kann ich meine Rechnung herunterladen?",
     "Onde posso baixar minha fatura?", "Dove posso scaricare la mia fattura?"),
    ("The package arrived damaged.", "El paquete llegó dañado.", "Le colis est arrivé endommagé.",
     "Das Paket kam beschädigt an.", "O pacote chegou danificado.",
     "Il pacco è arrivato danneggiato."),
    ("I would like a refund.", "Quisiera un reembolso.", "Je voudrais un remboursement.",
     "Ich möchte eine Rückerstattung.", "Eu gostaria de um reembolso.", "Vorrei un rimborso."),
    ("Your ticket has been escalated.", "Su ticket ha sido escalado.",
     "Votre ticket a été transmis.", "Ihr Ticket wurde eskaliert.", "Seu chamado foi escalado.",
     "Il tuo ticket è stato inoltrato."),
    ("The password reset email never arrives.",
     "El correo para restablecer la contraseña nunca llega.",
     "L'e-mail de réinitialisation du mot de passe n'arrive jamais.",
     "Die E-Mail zum Zurücksetzen des Passworts kommt nie an.",
     "O e-mail de redefinição de senha nunca chega.",
     "L'email per reimpostare la password non arriva mai."),
    ("Can I change my delivery address?", "¿Puedo cambiar mi dirección de entrega?",
     "Puis-je changer mon adresse de livraison ?", "Kann ich meine Lieferadresse ändern?",
     "Posso mudar meu endereço de entrega?", "Posso cambiare il mio indirizzo di consegna?"),
    ("This is very urgent.", "Esto es muy urgente.", "C'est très urgent.", "Das ist sehr dringend.",
     "Isso é muito urgente.", "È molto urgente."),
    ("Have a nice day!", "¡Que tenga un buen día!", "Bonne journée !", "Einen schönen Tag noch!",
     "Tenha um bom dia!", "Buona giornata!"),
    ("The website is very slow today.", "El sitio web está muy lento hoy.",
     "Le site est très lent aujourd'hui.", "Die Website ist heute sehr langsam.",
     "O site está muito lento hoje.", "Il sito è molto lento oggi."),
    ("I need help with my account.", "Necesito ayuda con mi cuenta.",
     "J'ai besoin d'aide avec mon compte.", "Ich brauche Hilfe mit meinem Konto.",
     "Preciso de ajuda com minha conta.", "Ho bisogno di aiuto con il mio account."),
    ("Please send me a new link.", "Por favor, envíeme un nuevo enlace.",
     "Merci de m'envoyer un nouveau lien.", "Bitte senden Sie mir einen neuen Link.",
     "Por favor, envie-me um novo link.", "Per favore, inviatemi un nuovo link."),
)  # fmt: skip

STREETS = ("Main Street", "Oak Avenue", "Calle Mayor", "Rue de la Paix", "Hauptstraße",
           "Rua Augusta", "Via Roma", "Elm Road", "Baker Street", "Avenida Paulista")  # fmt: skip
CITIES = ("Springfield", "Madrid", "Paris", "Berlin", "Lisbon", "Rome", "Austin", "Lyon",
          "Munich", "Porto", "Milan", "Seville")  # fmt: skip
TAGS = ("billing", "refund", "login", "password", "mobile", "desktop", "shipping", "delivery",
        "bug", "crash", "export", "account", "privacy", "urgent", "feature", "invoice")  # fmt: skip
REPLIES = (
    "Thanks for reaching out! I'm sorry about the trouble.",
    "I have checked your account and everything looks correct now.",
    "Could you send us a screenshot of the error?",
    "I've issued a refund; it should appear within five business days.",
    "Your new password link is on its way.",
    "Happy to help. Is there anything else I can do for you?",
    "I understand how frustrating this is.",
    "Our engineers are looking into it right now.",
    "Please try again and let me know if the problem continues.",
    "I've updated the address on your order.",
)


def _person(rng: random.Random) -> tuple[str, str, str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = rng.choice(("example.com", "mail.test", "corp.example"))
    email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{domain}"
    digits = (
        rng.randint(1, 49),
        rng.randint(100, 999),
        rng.randint(100, 999),
        rng.randint(1000, 9999),
    )
    phone = "+{} {} {} {}".format(*digits)
    address = f"{rng.randint(1, 240)} {rng.choice(STREETS)}, {rng.choice(CITIES)}"
    return f"{first} {last}", email, phone, address


def _redaction_line(rng: random.Random) -> str:
    name, email, phone, address = _person(rng)
    text = rng.choice(
        (
            f"Hi, I am {name}, call me at {phone} or write to {email}.",
            f"Please ship it to {address}. Contact: {email}",
            f"My name is {name} and I live at {address}.",
            f"Reach {name} on {phone}.",
        )
    )
    redacted = text
    count = 0
    for value, label in (
        (name, "[NAME]"),
        (email, "[EMAIL]"),
        (phone, "[PHONE]"),
        (address, "[ADDRESS]"),
    ):
        if value in redacted:
            redacted = redacted.replace(value, label)
            count += 1
    return f"{text}\n{json.dumps({'redactedText': redacted, 'redactedCount': count})}"


def _translation_line(rng: random.Random) -> str:
    languages = PARALLEL[0]
    row = rng.choice(PARALLEL[1:])
    source = rng.randrange(1, len(languages))
    return f"{row[source]}\n" + json.dumps(
        {"translation": row[0], "detectedLanguage": languages[source]}, ensure_ascii=False
    )


def _tags_line(rng: random.Random) -> str:
    ticket, record = triage_example(rng)
    tags = sorted(rng.sample(TAGS, rng.randint(1, 3)))
    return f"{ticket}\n{json.dumps({'tags': tags, 'category': record['category']})}"


def _triage_line(rng: random.Random) -> str:
    ticket, record = triage_example(rng)
    return f"{SYSTEM_PROMPT}\n{ticket}\n{json.dumps(record)}"


def _chat_line(rng: random.Random) -> str:
    name, email, _, _ = _person(rng)
    return (
        f"Customer: {rng.choice(PARALLEL[1:])[0]}\nAgent: {rng.choice(REPLIES)} ({name}, {email})"
    )


def _sentence_line(rng: random.Random) -> str:
    return " ".join(rng.choice(rng.choice(PARALLEL[1:])) for _ in range(3))


def corpus(lines: int = 1800, seed: int = SEED) -> str:
    """The whole corpus text, one record per block."""
    rng = random.Random(seed)
    makers = (_triage_line, _triage_line, _translation_line, _redaction_line, _tags_line,
              _chat_line, _sentence_line)  # fmt: skip
    return "\n".join(rng.choice(makers)(rng) for _ in range(lines)) + "\n"


def main() -> None:
    """Writes the corpus file and prints its size."""
    text = corpus()
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text.encode('utf-8')) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
