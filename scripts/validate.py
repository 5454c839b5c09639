"""`make validate`: Rasa's own data validation plus the project's checks.

Rasa's warnings count as failures, with two exceptions that this script proves
instead of ignoring: Rasa says a response "is not used in any story or rule"
when an action or a form sends it, and that an intent has no NLU examples when
only a channel sends it. Such a warning passes only when the response
really is sent by an action (a literal in actions/) or asked by a form, or the
intent is one the channels send (CHANNEL_INTENTS).
Exits 1 with one line per problem, naming the file.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Set

import yaml

from scripts.generate_lookups import LOOKUPS_PATH, SynonymClash, render
from shop.catalog import PROJECT_ROOT, Catalog, CatalogError, load_catalog
from shop.finder import words as finder_words
from shop.paypal.events import EXTERNAL_INTENTS
from shop.reminders import CART_REMINDER

UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
INTENT_WITHOUT_EXAMPLES = re.compile(
    r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU training data"
)
# Rasa reports data problems as UserWarnings and as WARNING/ERROR log lines;
# DeprecationWarnings of the libraries under Rasa are not about the data.
DATA_WARNING = re.compile(r"UserWarning:|\s(WARNING|ERROR)\s")
RESPONSE_LITERAL = re.compile(r"[\"'](utter_\w+)[\"']")

# Intents only a channel sends (payment events, the cart reminder): no NLU examples.
CHANNEL_INTENTS = (*EXTERNAL_INTENTS, CART_REMINDER)


DOMAIN_PATH = PROJECT_ROOT / "domain"


LANGUAGES = ("en", "nl")
NLU_PATH = PROJECT_ROOT / "data" / "nlu"


def domain() -> dict:
    return _load_domain(str(DOMAIN_PATH))


@functools.lru_cache(maxsize=4)
def _load_domain(path: str) -> dict:
    """Rasa's merged domain, loaded once per path for all the checks."""
    import warnings

    from rasa.shared.core.domain import Domain

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Domain.load(path).as_dict()


def shown(path: Path) -> str:
    """A path as designers see it: relative to the project when it is inside."""
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _is_dutch(variation: dict) -> bool:
    return any(c.get("name") == "language" and c.get("value") == "nl" for c in variation.get("condition") or [])


def translation_problems() -> List[str]:
    """Every response has a Dutch variation, for every channel it has a variation for."""
    problems = []
    for path in sorted((DOMAIN_PATH / "responses").glob("*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        responses = (yaml.safe_load("\n".join(lines)) or {}).get("responses") or {}
        for name, variations in responses.items():
            line = next((i for i, text in enumerate(lines, start=1) if text.strip() == f"{name}:"), 0)
            channels = {v.get("channel") for v in variations}
            for channel in channels:
                if not any(_is_dutch(v) and v.get("channel") == channel for v in variations):
                    where = f" for channel {channel}" if channel else ""
                    problems.append(f"{shown(path)}:{line}: response '{name}' has no Dutch variation{where}")
            if all(_is_dutch(v) for v in variations):
                problems.append(f"{shown(path)}:{line}: response '{name}' has no English (default) variation")
    return problems


def intents_with_examples(language: str) -> Set[str]:
    found: Set[str] = set()
    for path in (NLU_PATH / language).glob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block and str(block.get("examples", "")).strip():
                found.add(block["intent"])
    return found


def example_problems() -> List[str]:
    """Every intent a customer can say has examples in both languages."""
    intents = [i if isinstance(i, str) else next(iter(i)) for i in domain().get("intents", [])]
    problems = []
    for language in LANGUAGES:
        have = intents_with_examples(language)
        for intent in intents:
            if intent not in have and intent not in CHANNEL_INTENTS:
                problems.append(f"data/nlu/{language}/: intent '{intent}' has no examples in this language")
    return problems


def responses_sent_by_code() -> Set[str]:
    names: Set[str] = set()
    for path in (PROJECT_ROOT / "actions").glob("*.py"):
        names.update(RESPONSE_LITERAL.findall(path.read_text(encoding="utf-8")))
    for form, spec in (domain().get("forms") or {}).items():
        names.update(f"utter_ask_{form}_{slot}" for slot in spec.get("required_slots", []))
    return names


def rasa_validate() -> List[str]:
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings"],  # plain, as a designer runs it
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    sent = responses_sent_by_code()
    problems = []
    for line in output.splitlines():
        unused = UNUSED_RESPONSE.search(line)
        if unused and unused.group(1) in sent:
            continue
        external = INTENT_WITHOUT_EXAMPLES.search(line)
        if external and external.group(1) in CHANNEL_INTENTS:
            continue
        if DATA_WARNING.search(line):
            problems.append(f"rasa data validate: {line.strip()}")
    if result.returncode != 0 and not problems:
        problems.append(f"rasa data validate exited {result.returncode}:\n{output[-2000:]}")
    return problems


def catalog_problems() -> List[str]:
    try:
        catalog = load_catalog()
        text = render(catalog)
    except (CatalogError, SynonymClash) as error:
        return [str(error)]
    current = LOOKUPS_PATH.read_text(encoding="utf-8") if LOOKUPS_PATH.exists() else ""
    problems = use_problems(catalog) + detail_problems(catalog)
    if current != text:
        problems.append(
            f"{LOOKUPS_PATH.relative_to(PROJECT_ROOT)}: out of date with catalog/catalog.yml; run `make lookups`"
        )
    return problems


def detail_problems(catalog: Catalog) -> List[str]:
    """A detail written per language needs its Dutch text: a Dutch customer asks too."""
    return [
        f"catalog/catalog.yml: product '{product.sku}': detail '{kind}' has no Dutch (nl) text"
        for product in catalog.products.values()
        for kind, texts in product.details.items()
        if "nl" not in texts
    ]


def use_problems(catalog: Catalog) -> List[str]:
    """A use made only of words search ignores ("the", "for", "iets") can never match."""
    owners = [(f"category '{c.id}'", c.uses) for c in catalog.categories.values()]
    owners += [(f"product '{p.sku}'", p.uses) for p in catalog.products.values()]
    return [
        f"catalog/catalog.yml: {owner}: use '{phrase}' ({language}) has no word search can match"
        for owner, uses in owners
        for language, phrases in uses.items()
        for phrase in phrases
        if not finder_words(phrase)
    ]


def response_problems() -> List[str]:
    known = set(domain().get("responses") or {})
    problems = []
    for path in sorted((PROJECT_ROOT / "actions").glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for name in RESPONSE_LITERAL.findall(line):
                if name not in known:
                    problems.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: response '{name}' is not in domain/")
    return problems


def report(problems: Iterable[str]) -> int:
    problems = list(problems)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print(
        "validation passed: Rasa data, catalog, shop terms, lookup tables, responses in English and Dutch, examples in both languages"
    )
    return 0


def utility_template_problems() -> List[str]:
    """texts/utility_templates.yml: each template in every language, parameters declared and used,
    and every template the payment actions name."""
    from channels.messenger.outbound import utility_messages as utility

    try:
        templates = utility.load_templates()
    except utility.TemplateError as error:
        return [str(error)]
    named = set(re.findall(r'"(kassa_[a-z_]+)"', (PROJECT_ROOT / "actions" / "payment.py").read_text()))
    return [
        f"actions/payment.py names utility template {name}, which {shown(utility.TEMPLATES_PATH)} does not have"
        for name in sorted(named - set(templates))
    ]


def text_problems() -> List[str]:
    """texts/phrases.yml in both languages, catalog/options.yml covering every option the catalog uses, and
    texts/detail_questions.yml with words for every detail in both languages."""
    from shop import details, phrases, variants

    try:
        used = [
            option
            for product in load_catalog().products.values()
            for kind in product.variants.values()
            for option in kind
        ]
    except CatalogError:
        used = []  # reported by catalog_problems
    return [*phrases.problems(), *variants.option_problems(used), *details.problems()]


def terms_problems() -> List[str]:
    """catalog/terms.yml: every field (shop.terms says what is wrong and where), and the
    same currency as the catalog's."""
    from shop.terms import TermsError, load_terms

    try:
        terms = load_terms()
    except TermsError as error:
        return [str(error)]
    try:
        catalog = load_catalog()
    except CatalogError:
        return []  # reported by catalog_problems
    if terms.currency != catalog.currency:
        return [f"catalog/terms.yml: currency {terms.currency} is not the catalog's ({catalog.currency})"]
    return []


def main() -> int:
    return report(
        [
            *catalog_problems(),
            *terms_problems(),
            *response_problems(),
            *translation_problems(),
            *example_problems(),
            *utility_template_problems(),
            *text_problems(),
            *rasa_validate(),
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
