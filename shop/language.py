"""Which language a customer writes in: English or Dutch (Flemish included).

A small, predictable scorer over marker words, so that a designer can see why
the bot switched: a message moves the conversation to the other language only
when it has more of that language's markers. Product names count for neither.
"""

from __future__ import annotations

import re
from typing import Optional

DUTCH = frozenset(
    """
    ik je jij jou jullie u uw ge gij uwe 'k de het een en wat waar hoe waarom wie welke welk
    hebben heb hebt heeft kan kun kunt kunnen kunde mag mogen wil wilt willen zou moet graag
    alsjeblieft alstublieft aub bedankt dank dankje dankjewel merci hoi hallo hallootjes goedemorgen
    goeiemorgen goedemiddag goedenavond doei ajuu salukes ja jep jazeker nee neen niet geen mijn mij
    met voor van op naar bij uit ook nog maar toch eens even efkes wel laat zien toon toevoegen
    winkelwagen winkelwagentje winkelmandje mandje afrekenen betalen betaling bestelling bestellen
    fiets fietsen verlichting sloten tassen helmen pompen goedkoop goedkoper duur stuks twee drie
    vier vijf zes zeven acht negen tien zoek zoeken hulp allee da's dat dit deze er hier daar zo
    alles iets niets heel klopt prima oké oke nederlands vlaams engels praat spreek gelukt
    verkopen hebben jullie kost kosten toch liever doe neem haal weg eruit leeg
""".split()
)

ENGLISH = frozenset(
    """
    i i'm i'd i'll you your you're the a an and what where how why who which have has had can
    could would should want wants please thanks thank thx hi hello bye goodbye yes yeah yep no
    nope not my mine with for of on to at from also show add cart basket checkout pay paying
    payment order bike bikes lights locks bags helmets pumps cheap cheaper expensive do does did
    it this that these those there here some any anything something more about much many one
    two three four five six seven eight nine ten search find help english dutch flemish speak
    sell buy get take remove empty went through through okay sure cheers
""".split()
)

WORD = re.compile(r"[a-zA-Zà-ÿ']+")


def detect(text: str) -> Optional[str]:
    """'nl', 'en', or None when the message does not tell."""
    words = [w.lower() for w in WORD.findall(text or "")]
    dutch = sum(1 for w in words if w in DUTCH and w not in ENGLISH)
    english = sum(1 for w in words if w in ENGLISH and w not in DUTCH)
    if dutch > english:
        return "nl"
    if english > dutch:
        return "en"
    return None


def from_locale(locale: Optional[str]) -> Optional[str]:
    """Messenger's locale ('nl_NL', 'nl_BE', 'en_GB') as a language, if it is one of ours."""
    if not locale:
        return None
    prefix = locale.lower()[:2]
    return prefix if prefix in ("en", "nl") else None
