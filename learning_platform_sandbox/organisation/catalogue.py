"""The company's content catalogue: asset types, titles, locales and where each item comes from."""

from __future__ import annotations

from dataclasses import dataclass

from learning_platform_sandbox.organisation.hashing import pick_weighted, stable_hash

# The nine asset types of LinkedIn's ACCOUNT report sample, in that sample's order. Every content
# item is one of them (ASSESSMENT is a known value that no report row carries).
CONTENT_ASSET_TYPES = (
    "ARTICLE",
    "AUDIO",
    "BOOK",
    "LEARNING_COLLECTION",
    "COURSE",
    "DOCUMENT",
    "EVENT",
    "LEARNING_PATH",
    "VIDEO",
)

# Where content comes from, as LinkedIn's `contentSource` filter names it.
LINKEDIN_LEARNING = "LINKEDIN_LEARNING"
ORGANIZATION = "ORGANIZATION"
THIRD_PARTY = "THIRD_PARTY"

_TOPICS = (
    "Excel",
    "Python",
    "SQL",
    "Project Management",
    "Leadership",
    "Public Speaking",
    "Data Visualization",
    "Cloud Computing",
    "Agile",
    "Negotiation",
    "Time Management",
    "Power BI",
    "JavaScript",
    "Cybersecurity",
    "Machine Learning",
    "Business Writing",
    "Design Thinking",
    "Accounting",
    "Customer Service",
    "Kubernetes",
    "Critical Thinking",
    "Statistics",
    "Digital Marketing",
    "Coaching",
    "Git",
)
_TITLE_TEMPLATES = {
    "COURSE": (
        "{topic} Essential Training",
        "Learning {topic}",
        "{topic}: Advanced Techniques",
        "{topic} for Beginners",
        "Mastering {topic}",
    ),
    "VIDEO": ("{topic} Tips and Tricks", "{topic} in Five Minutes", "What Is {topic}?"),
    "LEARNING_PATH": ("Become an Expert in {topic}", "Master {topic}", "{topic} Career Path"),
    "ARTICLE": ("Why {topic} Matters", "Five Myths About {topic}"),
    "BOOK": ("The {topic} Handbook", "{topic}: A Practical Guide"),
    "AUDIO": ("The {topic} Podcast", "{topic} on the Go"),
    "DOCUMENT": ("{topic} Cheat Sheet", "{topic} Checklist"),
    "EVENT": ("Live Q&A: {topic}", "{topic} Summit Keynote"),
    "LEARNING_COLLECTION": ("{topic} Collection", "Team Picks: {topic}"),
}
# Share of the catalogue per asset type (percent), after one item of each type is guaranteed.
_ASSET_TYPE_WEIGHTS = (
    ("COURSE", 40),
    ("VIDEO", 25),
    ("LEARNING_PATH", 10),
    ("ARTICLE", 5),
    ("BOOK", 5),
    ("AUDIO", 4),
    ("DOCUMENT", 4),
    ("EVENT", 4),
    ("LEARNING_COLLECTION", 3),
)
_GUARANTEED_ASSET_TYPES = (
    "COURSE",
    "VIDEO",
    "LEARNING_PATH",
    "ARTICLE",
    "BOOK",
    "AUDIO",
    "DOCUMENT",
    "EVENT",
    "LEARNING_COLLECTION",
)
_URN_KINDS = {
    "COURSE": "lyndaCourse",
    "VIDEO": "lyndaVideo",
    "LEARNING_PATH": "lyndaLearningPath",
    "ARTICLE": "lyndaArticle",
    "BOOK": "lyndaBook",
    "AUDIO": "lyndaAudio",
    "DOCUMENT": "lyndaDocument",
    "EVENT": "lyndaEvent",
    "LEARNING_COLLECTION": "lyndaLearningCollection",
}
_LOCALES = (("en", "US"),) * 6 + (
    ("en", "GB"),
    ("fr", "FR"),
    ("de", "DE"),
    ("es", "ES"),
    ("ja", "JP"),
)
_THIRD_PARTY_PROVIDERS = ("Contoso Academy", "Fabrikam Learning")
_ORGANIZATION_PROVIDER = "Example Corp"


@dataclass(frozen=True)
class Locale:
    language: str
    country: str

    def as_dict(self) -> dict[str, str]:
        return {"language": self.language, "country": self.country}


@dataclass(frozen=True)
class Content:
    """One item of the catalogue: a course, a video, a learning path, a book..."""

    index: int
    asset_type: str
    content_id: int
    name: str
    locale: Locale
    content_provider_name: str
    content_source: str  # LINKEDIN_LEARNING, ORGANIZATION or THIRD_PARTY

    @property
    def urn(self) -> str:
        return f"urn:li:{_URN_KINDS[self.asset_type]}:{self.content_id}"


def make_content(seed: int, index: int) -> Content:
    """Content item `index` of the organisation of `seed`."""
    bits = stable_hash(seed, "content", index)
    if index < len(_GUARANTEED_ASSET_TYPES):
        asset_type = _GUARANTEED_ASSET_TYPES[index]
    else:
        asset_type = pick_weighted(_ASSET_TYPE_WEIGHTS, bits % 100)[0]
    if index % 10 == 3:
        source, provider = ORGANIZATION, _ORGANIZATION_PROVIDER
    elif index % 10 == 7:
        source = THIRD_PARTY
        provider = _THIRD_PARTY_PROVIDERS[(bits >> 8) % len(_THIRD_PARTY_PROVIDERS)]
    else:
        source, provider = LINKEDIN_LEARNING, "LinkedIn"
    topic = _TOPICS[(bits >> 16) % len(_TOPICS)]
    templates = _TITLE_TEMPLATES[asset_type]
    language, country = _LOCALES[(bits >> 40) % len(_LOCALES)]
    return Content(
        index=index,
        asset_type=asset_type,
        content_id=500_000 + index * 37 + (bits >> 24) % 37,  # unique: 37 ids per index
        name=templates[(bits >> 32) % len(templates)].format(topic=topic),
        locale=Locale(language, country),
        content_provider_name=provider,
        content_source=source,
    )
