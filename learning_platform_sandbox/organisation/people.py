"""The company's learners: names, e-mails and the ids each platform knows them by."""

from __future__ import annotations

from dataclasses import dataclass

from learning_platform_sandbox.organisation.hashing import stable_hash

FIRST_NAMES = (
    "ada",
    "alan",
    "amara",
    "ana",
    "arjun",
    "beatriz",
    "carlos",
    "chen",
    "chloe",
    "dmitri",
    "elena",
    "emeka",
    "farah",
    "grace",
    "hana",
    "ibrahim",
    "ingrid",
    "jamal",
    "joao",
    "kenji",
    "lars",
    "leila",
    "lucia",
    "mateo",
    "mei",
    "nadia",
    "noah",
    "olga",
    "omar",
    "priya",
    "quentin",
    "rosa",
    "samir",
    "sofia",
    "tariq",
    "uma",
    "valentina",
    "wei",
    "yusuf",
    "zoe",
)
LAST_NAMES = (
    "abara",
    "berg",
    "castillo",
    "dubois",
    "eriksen",
    "fernandes",
    "garcia",
    "hopper",
    "ibarra",
    "johnson",
    "kowalski",
    "lovelace",
    "moreau",
    "nakamura",
    "okafor",
    "petrov",
    "quinn",
    "rossi",
    "silva",
    "tanaka",
    "turing",
    "umarov",
    "varga",
    "weber",
    "xu",
    "yilmaz",
    "zhang",
    "haddad",
    "murphy",
    "novak",
    "connolly",
    "patel",
    "santos",
    "schmidt",
    "singh",
    "smith",
    "takahashi",
    "van-dijk",
    "williams",
    "kim",
)
DEPARTMENTS = (
    "Engineering",
    "Finance",
    "Sales",
    "Marketing",
    "People",
    "Operations",
    "Legal",
    "Support",
)


@dataclass(frozen=True)
class Learner:
    """One person of the company, known to every learning platform under the same e-mail."""

    index: int
    first_name: str
    last_name: str
    email: str
    unique_user_id: str
    linkedin_profile_id: int
    thrive_id: str
    department: str
    account_id: int

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def profile_urn(self) -> str:
        return (
            f"urn:li:enterpriseProfile:(urn:li:enterpriseAccount:{self.account_id},"
            f"{self.linkedin_profile_id})"
        )


def make_learner(seed: int, account_id: int, index: int) -> Learner:
    """Learner `index` of the organisation of `seed` and `account_id`."""
    bits = stable_hash(seed, "learner", index)
    first_name = FIRST_NAMES[bits % len(FIRST_NAMES)]
    last_name = LAST_NAMES[(bits >> 16) % len(LAST_NAMES)]
    return Learner(
        index=index,
        first_name=first_name.title(),
        last_name=last_name.replace("-", " ").title().replace(" ", "-"),
        # The index keeps e-mails unique however many learners share a name.
        email=f"{first_name}.{last_name}.{index}@example.com",
        unique_user_id=f"E{index:06d}",
        # Increasing with the index, so unique; the hash only makes them look less tidy.
        linkedin_profile_id=60_000_000 + index * 1000 + (bits >> 32) % 1000,
        thrive_id=f"{stable_hash(seed, 'thrive', index):032x}"[:24],
        department=DEPARTMENTS[(bits >> 48) % len(DEPARTMENTS)],
        account_id=account_id,
    )
