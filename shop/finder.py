"""From a customer's words to products: the one place that reads product names.

Customers name products the way people do: by a distinctive word ("the
guardian one"), a plural ("mini pumps", "kettingsloten"), a kind ("cable
locks"), a typo ("gaurdian"), or by what they need ("I cycle home in the
dark", "iets tegen lekke banden"). Every word of the catalog is indexed with
its owner (a product, or a category for the words that belong to all of its
products) and its kind:

- ``name``: names in every language and synonyms of a product, and
  a category's names and synonyms;
- ``use``: what a product or category is for (the catalog's ``uses``);
- ``description``: the words of the descriptions (weak evidence).

A word of the message matches a catalog word when they are equal, or equal
once both are stemmed (Snowball, English and Dutch), or, for names only, within
a small edit distance (rapidfuzz, Optimal String Alignment: one typo in five
letters or more, two from nine). Each matched word adds to the score of its
products, weighted by kind and by how distinctive the word is (1 / the number
of owners that have it): "guardian" picks one lock, "lock" speaks for all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from shop import numbers
from shop.catalog import Catalog, Category, Product

KIND_WEIGHTS = {"name": 1.0, "category": 0.5, "use": 0.6, "description": 0.25}
FUZZY_KINDS = ("name", "category")
FUZZY_PENALTY = 0.8
# A category's word counts a little less for each product than the product's own word.
CATEGORY_SHARE = 0.8
PHRASE_BONUS = 0.5
# Products shown for a search: those scoring at least this share of the best one.
RELATIVE_CUTOFF = 0.5
# One product is meant when it has distinctive name evidence and clearly beats the next.
RESOLVE_MIN_SCORE = 0.5
RESOLVE_MARGIN = 1.5
MAX_SUGGESTIONS = 3

WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")

STOPWORDS = frozenset(
    """
    a an and any anything are as at be been bike bikes buy but by can could cycle cycling do does
    for from get got have having i i'd i'll i'm if in is it it's its just like looking me my
    need needs of on one ones or please pls put really sell selling should show so some something
    somewhere sort that the their them then there these they thing things this those to too up us
    want wanted was we what what's which who will with would you your you've also well as else
    other another more most much cheap cheapest cheaper price prices cost costs euro euros eur
    under below less than max maximum least best good nice new great budget about around
    over above between expensive priciest pricey dearest costly lowest highest least
    boven tussen duurste duurst goedkoopst voordelig voordeligste voordeligst hoogste laagste minst meest dure
    lightest strongest safest lichtste lichtst sterkste sterkst veiligste veiligst
    brightest felste felst helderste helderst
    aan al alle alles als ben bij dan dat de deze die dit doe doen een eentje en er es fiets fietsen
    goed goede graag had heb hebben hebt het hier hoe iets ik in is ja je jij jullie kan kopen
    kunnen kun kunt maar me mee meer met mijn moet na naar niet nog of om onder ook op te tegen
    toch toe tot u uw van veel verkopen verkoop voor wat wel welke wil wilt ze zijn zo zoek zoeken
    zou ene soort prijs prijzen kost kosten goedkoop goedkope goedkoopste duur minder euro's
    show toon laat zien tonen hebt heeft geef weer weg eruit erin erbij erbij stuks stuk keer
    product products item items catalog catalogue range offer stock shop store sale available everything
    producten product artikelen assortiment aanbod winkel koop voorraad alles beschikbaar spullen stuff things
    browse let categories category here ve search gift present catalogus rondkijken categorie categorieën
    bieden krijgen ge gij aanbieding zit mag allemaal eens cadeau cadeautje
    cart mandje winkelmandje winkelwagen winkelwagentje karretje winkelkar wagentje
""".split()
)
# "what kind of locks": English "kind" is no child (Dutch "kind" is, and counts).
KIND_OF = re.compile(r"\b(?:kinds?|sorts?|types?)\s+of\b", re.IGNORECASE)
# "in my basket", "uit het mandje": the cart, not the Handlebar Basket.
CART_PHRASE = re.compile(
    r"\b(?:in|into|to|from|out\s+of|uit|naar|bij)\s+(?:my|the|your|mijn|het|de|m'n|je)\s+"
    r"(?:shopping\s+)?(?:basket|cart|bag|mandje|winkelmandje|winkelwagen\w*|karretje|winkelkar)\b",
    re.IGNORECASE,
)

_STEMMERS = (snowballstemmer.stemmer("english"), snowballstemmer.stemmer("dutch"))


@lru_cache(maxsize=4096)
def forms(word: str) -> FrozenSet[str]:
    """A word as written (lower-case) and its English and Dutch stems."""
    word = word.lower()
    return frozenset({word, *(stemmer.stemWord(word) for stemmer in _STEMMERS)})


def words(text: str) -> List[str]:
    """Content words of a text: lower-case, hyphenated words also in parts, no stopwords, no numbers."""
    found: List[str] = []
    for word in WORD.findall(KIND_OF.sub(" ", CART_PHRASE.sub(" ", text or "")).lower()):
        parts = [word, *word.split("-")] if "-" in word else [word]
        found += [p for p in parts if len(p) > 1 and not p.isdigit() and p not in STOPWORDS]
    return found


def allowed_typos(word: str) -> int:
    if len(word) >= 9:
        return 2
    return 1 if len(word) >= 5 else 0


@dataclass(frozen=True)
class Owner:
    """Who a catalog word speaks for: a product, or every product of a category."""

    kind: str
    sku: Optional[str] = None
    category: Optional[str] = None


@dataclass
class Scored:
    product: Product
    score: float
    named: float = 0.0  # the share of the score that came from names


@dataclass
class Found:
    """A search: the products meant, best first; the category if the words named only one."""

    products: List[Product] = field(default_factory=list)
    category: Optional[Category] = None
    unknown_words: List[str] = field(default_factory=list)


@dataclass
class Resolution:
    """One product, or the closest candidates when the words do not pick one."""

    product: Optional[Product] = None
    candidates: List[Product] = field(default_factory=list)


class ProductFinder:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.index: Dict[str, Set[Owner]] = {}
        self.phrases: List[Tuple[Tuple[FrozenSet[str], ...], Owner]] = []
        for category in catalog.categories.values():
            self._add_texts(
                [category.id, *category.names.values(), *category.synonyms], Owner("category", category=category.id)
            )
            self._add_texts(_all_uses(category.uses), Owner("use", category=category.id))
        for product in catalog.products.values():
            self._add_texts([*product.names.values(), *product.synonyms], Owner("name", sku=product.sku))
            self._add_texts(_all_uses(product.uses), Owner("use", sku=product.sku))
            self._add_texts(product.descriptions.values(), Owner("description", sku=product.sku))
        self._fuzzy_vocabulary = sorted(
            form for form, owners in self.index.items() if any(o.kind in FUZZY_KINDS for o in owners)
        )

    def _add_texts(self, texts: Iterable[str], owner: Owner) -> None:
        """Index every word; a name or use of several words is also kept as a phrase,
        which counts when all its words are in the message ("rear light", "lekke band")."""
        for text in texts:
            text_words = words(text)
            if len(text_words) > 1 and owner.kind in ("name", "use"):
                self.phrases.append((tuple(forms(word) for word in text_words), owner))
            if owner.kind == "use" and len(text_words) > 1:
                continue  # "front and rear" says nothing about "rear" alone
            for word in text_words:
                for form in forms(word):
                    self.index.setdefault(form, set()).add(owner)

    # --- matching ---------------------------------------------------------------

    def _owners_of(self, word: str) -> Dict[Owner, float]:
        """The owners a message word speaks for, with how exactly it matched (1, or the typo penalty)."""
        exact: Dict[Owner, float] = {}
        for form in forms(word):
            for owner in self.index.get(form, ()):
                exact[owner] = 1.0
        if exact or allowed_typos(word) == 0:
            return exact
        fuzzy: Dict[Owner, float] = {}
        for form in forms(word):
            if allowed_typos(form) == 0:
                continue
            for match, _, _ in process.extract(
                form, self._fuzzy_vocabulary, scorer=OSA.distance, score_cutoff=allowed_typos(form), limit=None
            ):
                if match[0] != form[0]:  # typos keep the first letter; "getting" is no "ketting"
                    continue
                for owner in self.index[match]:
                    if owner.kind in FUZZY_KINDS:
                        fuzzy[owner] = FUZZY_PENALTY
        return fuzzy

    def _products_of(self, owner: Owner) -> List[Product]:
        if owner.sku:
            product = self.catalog.product(owner.sku)
            return [product] if product else []
        return self.catalog.in_category(owner.category or "")

    def score(self, text: str) -> Tuple[Dict[str, Scored], List[str], Set[str]]:
        """Every product the words speak for, the words that matched nothing, and the
        categories named."""
        scores: Dict[str, Scored] = {}
        unknown: List[str] = []
        categories: Set[str] = set()
        for word in words(numbers.to_digits(text)):  # "under fifteen euros": no word to find
            owners = self._owners_of(word)
            if not owners:
                unknown.append(word)
                continue
            distinct = {kind: len({(o.sku, o.category) for o in owners if o.kind == kind}) for kind in KIND_WEIGHTS}
            best: Dict[str, Tuple[float, bool]] = {}
            for owner, exactness in owners.items():
                if owner.kind == "category" and owner.category:
                    categories.add(owner.category)
                share = CATEGORY_SHARE if owner.category else 1.0
                weight = KIND_WEIGHTS[owner.kind] * exactness / distinct[owner.kind] * share
                for product in self._products_of(owner):
                    if weight > best.get(product.sku, (0.0, False))[0]:
                        best[product.sku] = (weight, owner.kind == "name")
            for sku, (weight, is_name) in best.items():
                self._add_score(scores, sku, weight, is_name)
        self._score_phrases(text, scores, unknown)
        return scores, unknown, categories

    def _add_score(self, scores: Dict[str, Scored], sku: str, weight: float, is_name: bool) -> None:
        entry = scores.setdefault(sku, Scored(self.catalog.products[sku], 0.0))
        entry.score += weight
        if is_name:
            entry.named += weight

    def _score_phrases(self, text: str, scores: Dict[str, Scored], unknown: List[str]) -> None:
        """A whole name or use of several words in the message is strong evidence."""
        message_forms = [forms(word) for word in words(text)]
        for phrase, owner in self.phrases:
            used = [next((m for m in message_forms if m & word), None) for word in phrase]
            if any(m is None for m in used):
                continue
            for product in self._products_of(owner):
                self._add_score(scores, product.sku, PHRASE_BONUS * KIND_WEIGHTS[owner.kind], owner.kind == "name")
            for matched in used:
                unknown[:] = [w for w in unknown if forms(w) != matched]

    # --- what the actions ask -------------------------------------------------------

    def find(self, text: str, max_price: Optional[Decimal] = None) -> Found:
        """The products a message asks for, best first (cheapest first among equals)."""
        scores, unknown, categories = self.score(text)
        if not scores:
            return Found(unknown_words=unknown)
        best = max(s.score for s in scores.values())
        meant = [s for s in scores.values() if s.score >= best * RELATIVE_CUTOFF]
        meant.sort(key=lambda s: (-round(s.score, 6), s.product.price, s.product.sku))
        products = [s.product for s in meant if max_price is None or s.product.price <= max_price]
        category = None
        if len(categories) == 1:
            only = self.catalog.categories[next(iter(categories))]
            if {p.sku for p in products} <= {p.sku for p in self.catalog.in_category(only.id)} and len(meant) == len(
                self.catalog.in_category(only.id)
            ):
                category = only
                order = [p.sku for p in self.catalog.in_category(only.id)]
                products.sort(key=lambda p: order.index(p.sku))  # as the merchant lists them
        return Found(products, category, unknown)

    def resolve(self, text: Optional[str]) -> Resolution:
        """The one product the words name, or up to three candidates when they don't pick one."""
        if not text:
            return Resolution()
        product = self.catalog.product(text)
        if product is not None:
            return Resolution(product)
        scores, _, _ = self.score(text)
        ranked = sorted(scores.values(), key=lambda s: (-s.score, s.product.price, s.product.sku))
        if not ranked:
            return Resolution()
        first = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        close = [s.product for s in ranked if s.score >= first.score * RELATIVE_CUTOFF]
        distinctive = first.named >= RESOLVE_MIN_SCORE or (len(close) == 1 and first.score >= RESOLVE_MIN_SCORE)
        if distinctive and first.score >= RESOLVE_MARGIN * second:
            return Resolution(first.product)
        return Resolution(None, close[:MAX_SUGGESTIONS])


def _all_uses(uses: Mapping[str, Tuple[str, ...]]) -> List[str]:
    return [phrase for phrases in uses.values() for phrase in phrases]


_finder: Optional[ProductFinder] = None


def finder_for(catalog: Catalog) -> ProductFinder:
    """The finder of a catalog, built once per catalog object."""
    global _finder
    if _finder is None or _finder.catalog is not catalog:
        _finder = ProductFinder(catalog)
    return _finder
