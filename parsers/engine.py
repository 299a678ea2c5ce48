"""The Parser: composes grammar, normaliser, screener, category rules, model and gazetteer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from parsers.category import CategoryRules, Match, load_taxonomy
from parsers.commands import Grammar, Prefix
from parsers.conduct import Conduct
from parsers.courtesy import Courtesy
from parsers.features import RULES_REVIEW_THRESHOLD, CategoryModel, rules_decision
from parsers.gate import SHIPPED_GATE, Gate
from parsers.gazetteer import Gazetteer
from parsers.location import LocationFinder, Resolution
from parsers.normalize import Normaliser
from parsers.privacy import PrivacyWords
from parsers.result import ParseResult
from parsers.screening import Screen, Screener, forms

NOISE_KNOWN_SHARE = 0.34


@dataclass(frozen=True, slots=True)
class Category:
    """The category decision for one complaint."""

    code: str
    confidence: float
    reasons: tuple[str, ...]
    review_threshold: float


@dataclass
class Parser:
    """Everything loaded once; `parse` is then pure and fast."""

    grammar: Grammar
    normaliser: Normaliser
    screener: Screener
    rules: CategoryRules
    gazetteer: Gazetteer
    locations: LocationFinder
    model: CategoryModel | None = None
    conduct: Conduct | None = None
    courtesy: Courtesy | None = None
    privacy: PrivacyWords | None = None
    # Learned complaint-vs-not check before routing without review, when the model brings
    # none of its own (rules only: the shipped gate, parsers/data/complaint_gate.json).
    gate: Gate | None = None

    @classmethod
    def load(cls, model_path: Path | str | None = None,
             gate_path: Path | str | None = None, *, shipped_gate: bool = True) -> Parser:
        """Load the shipped data and rules (and a trained model if given). The complaint gate:
        the one at gate_path if given, else the shipped one (none with shipped_gate=False); a
        model's own gate takes its place (active_gate)."""
        gate: Gate | None = None
        if gate_path is not None or shipped_gate:
            gate = Gate.load(SHIPPED_GATE if gate_path is None else gate_path)
        gazetteer = Gazetteer.load()
        normaliser = Normaliser.load()
        categories = frozenset(load_taxonomy())
        parser = cls(
            grammar=Grammar.load(regions=frozenset(gazetteer.names), categories=categories),
            normaliser=normaliser,
            screener=Screener.load(),
            rules=CategoryRules.load(categories=categories),
            gazetteer=gazetteer,
            locations=LocationFinder.load(gazetteer, normaliser.vocabulary),
            conduct=Conduct.load(),
            courtesy=Courtesy.load(),
            privacy=PrivacyWords.load(),
            gate=gate,
        )
        if model_path is not None:
            # The model file module imports no engine code; scikit-learn only when asked for.
            from parsers.modelfile import load_model

            parser.model = load_model(Path(model_path), parser)
        return parser

    def with_model(self, model: CategoryModel | None) -> Parser:
        """A parser sharing this one's rules and gazetteer that decides with `model`."""
        return replace(self, model=model)

    @property
    def active_gate(self) -> Gate | None:
        """The gate trained with the model (learnt from the deployment's own complaints), else
        this parser's own (the shipped one unless replaced)."""
        own = getattr(self.model, "gate", None)
        return own if own is not None else self.gate

    def with_gate(self, gate: Gate | None) -> Parser:
        """A parser sharing this one's rules and model whose own gate is `gate` (None: none);
        a model with a gate of its own still asks that one (active_gate)."""
        return replace(self, gate=gate)

    def gate_tokens(self, text: str) -> list[str]:
        """The tokens a parse asks a complaint gate about: the text's after a leading LAPOR,
        RAHASIA or keyword (what gate training reads too)."""
        return self.normaliser.tokens(self.grammar.strip_prefix(text).rest)

    def categorise(self, tokens: list[str], normalised: str,
                   extra: dict[str, float] | None = None) -> tuple[Category, Match]:
        """Decide the category from the rules (and the model, when loaded)."""
        match = self.rules.match(tokens, normalised)
        for code, weight in (extra or {}).items():
            match.scores[code] = match.scores.get(code, 0.0) + weight
        if self.model is not None:
            code, confidence, reason = self.model.predict(normalised, match)
            return Category(code, confidence, (reason,) + tuple(f"rule:{r}" for r in match.fired),
                            self.model.review_threshold), match
        code, confidence = rules_decision(match)
        reasons = tuple(f"rule:{r}" for r in match.fired) if match.scores else ("rule:none",)
        return Category(code, confidence, reasons, RULES_REVIEW_THRESHOLD), match

    def parse(self, text: str, *, default_region: str | None = None) -> ParseResult:
        """Parse one SMS text into a ParseResult: a command, a rating, screened out, or a
        complaint with its category and place."""
        prefix = self.grammar.strip_prefix(text or "")
        base: dict[str, Any] = {"anonymous": prefix.anonymous,
                                "confidential": prefix.confidential, "keyword": prefix.keyword}
        command = self.grammar.command(prefix.rest)
        if command is not None:
            exact = command.word in self.grammar.commands
            return ParseResult(
                intent=command.intent, ticket_ref=command.ticket_ref,
                confidence=1.0 if exact else 0.8, description=prefix.rest,
                reasons=prefix.reasons + (f"command:{command.intent}:{command.word}",), **base)
        rating = self.grammar.rating(prefix.rest)
        if rating is not None:
            return ParseResult(intent="unknown", rating=rating, confidence=1.0,
                               reasons=prefix.reasons + ("rating",), **base)
        tokens = self.normaliser.tokens(prefix.rest)
        normalised = " ".join(tokens)
        screen = self.screener.screen(prefix.rest, tokens, normalised, self.rules,
                                      self.normaliser.vocabulary)
        if screen.kind is not None:
            polite = screen.kind == "courtesy" or not tokens
            return ParseResult(intent="unknown", spam=screen.kind == "spam",
                               courtesy=self.courtesy.kind(tokens)
                               if polite and self.courtesy else None,
                               needs_review=screen.kind == "noise" and bool(tokens),
                               description=prefix.rest, reasons=prefix.reasons + (screen.reason,),
                               **base)
        return self._complaint(prefix, tokens, normalised, screen, default_region, base)

    def _complaint(self, prefix: Prefix, tokens: list[str], normalised: str, screen: Screen,
                   default_region: str | None, base: dict[str, Any]) -> ParseResult:
        """A text that passed the screening: its category, its place, and whether a human
        must look (an unsure category, an unroutable place, a doubt, the gate)."""
        keyword = self.grammar.keywords.get(prefix.keyword) if prefix.keyword else None
        extra = {keyword.category: 3.0} if keyword and keyword.category else None
        category, match = self.categorise(tokens, normalised, extra)
        if not match.fired and not extra and self._mostly_unknown(tokens):
            return ParseResult(intent="unknown", needs_review=True, description=prefix.rest,
                               reasons=prefix.reasons + ("screen:unknown-words",), **base)
        scope = default_region or (keyword.region if keyword else None)
        where = self.locations.resolve(tokens, scope)
        region_code = where.code or (keyword.region if keyword and keyword.region else None)
        unsure = category.confidence < category.review_threshold
        review = unsure or _unroutable(where, scope)
        # Reads as personal or promotional, unless it says it is a report: a leading LAPOR,
        # RAHASIA or ANONIM, or a privacy wish ("jgn sebut nama sy"). Not a deployment keyword
        # ("PLN: jadwal pemadaman ...") nor a privacy word merely near the start ("les privat").
        # A wish in words the phrases miss ("privasi pelapor mohon dijaga") is one too.
        wish = (self.privacy.wish(tokens) if self.privacy and not base["anonymous"] else None)
        if wish:
            base = {**base, "anonymous": True}
        doubted = bool(screen.doubt) and not (prefix.says_it_is_a_report or wish)
        review = review or doubted
        # Would be routed without a human, but the learned gate (when given one) reads it as
        # not a complaint. A 1708 prefix (LAPOR, RAHASIA, a keyword) or a wish says it is one.
        gate = self.active_gate
        gated = (not review and not prefix.reasons and not wish and gate is not None
                 and gate.stops(tokens))
        # Says why a human must look: the category is below the threshold that meets the target.
        doubt = (f"review:confidence<{category.review_threshold:.3f}",) if unsure else ()
        conduct = self.conduct.about_officials(tokens) if self.conduct else None
        return ParseResult(
            intent="complaint", category=category.code,
            region=self.gazetteer.region(region_code) if region_code else None,
            region_candidates=tuple(self.gazetteer.region(c) for c in where.candidates),
            description=prefix.rest, confidence=category.confidence, needs_review=review or gated,
            reasons=prefix.reasons + ((wish,) if wish else ()) + category.reasons + doubt
            + where.reasons
            + ((screen.doubt,) if doubted else ()) + (("screen:gate",) if gated else ())
            + ((conduct,) if conduct else ()),
            about_officials=conduct is not None,
            extras={"agency": keyword.agency} if keyword and keyword.agency else {},
            probable_region=self.gazetteer.region(where.probable) if where.probable else None,
            region_options=tuple(self.gazetteer.option(c) for c in where.options), **base)

    def unreachable_words(self) -> list[str]:
        """Rule words that can never match: the rules are matched against the normaliser's
        tokens, so a word the normaliser rewrites ("calo" arrives as "makelar", "pppk" as
        "pk") is dead unless written as it arrives. Empty for the shipped rules (a test)."""
        words = self.normaliser.tokens
        out = [f"screening grievance.words: {w!r} arrives as {words(w)}"
               for w in sorted(self.screener.grievance)
               if not any(w in forms(t) for t in words(w))]
        out += [f"screening grievance.personal: {p.strip()!r} arrives as {words(p)}"
                for p in self.screener.personal if " ".join(words(p)) != p.strip()]
        if self.privacy:
            out += [f"privacy words.{name}: {w!r} arrives as {words(w)}"
                    for name, w in self.privacy.all_words() if words(w) != [w]]
        out += [f"screening courtesy.words: {w!r} arrives as {words(w)}"
                for w in sorted(self.screener.courtesy) if words(w) != [w]]
        for rule in self.rules.rules:
            for role, phrases in (("keywords", rule.keywords), ("context", rule.context),
                                  ("unless", rule.unless)):
                for phrase in phrases:
                    plain = [w.removeprefix("=") for w in phrase]
                    got = words(" ".join(plain))
                    if len(got) != len(plain) or not all(
                            t == w if w != p else p in forms(t)
                            for t, w, p in zip(got, plain, phrase, strict=True)):
                        out.append(f"categories {rule.name}.{role}: {' '.join(phrase)!r} "
                                   f"arrives as {got}")
            out += [f"categories {rule.name}.not_after: {w!r} arrives as {words(w)}"
                    for _, after in rule.not_after for w in sorted(after)
                    if w != "#" and words(w) != [w]]
        return out

    def _mostly_unknown(self, tokens: list[str]) -> bool:
        vocabulary = self.normaliser.vocabulary
        known = sum(1 for t in tokens if t in vocabulary or t.isdigit())
        return known < NOISE_KNOWN_SHARE * len(tokens)


def _unroutable(where: Resolution, scope: str | None) -> bool:
    """Ambiguous place names that leave even the kabupaten/kota open need a human."""
    return where.ambiguous and scope is None and (where.code is None or where.code.count(".") < 1)
