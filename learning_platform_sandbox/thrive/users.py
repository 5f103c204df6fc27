"""Thrive's users: one per learner of the organisation, with roles, statuses, managers, logins."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from learning_platform_sandbox.organisation import Draws, Learner, Organisation
from learning_platform_sandbox.thrive.stamps import hex24, iso_datetime


def make_user(organisation: Organisation, learner: Learner) -> dict:
    """The user record of `learner`, as `/users` serves it."""
    org = organisation
    draws = Draws(org.seed, "thrive-user", learner.index)
    index = learner.index
    # Signs in with a reference instead of an e-mail: the activity of such a user cannot be
    # joined to other platforms by e-mail.
    ref_login = index % 30 == 29
    role = "administrator" if index == 0 else "learneradmin" if index % 10 == 5 else "learner"
    status = "inactive" if index % 12 == 7 else "new" if index % 12 == 10 else "active"
    created = datetime(2023, 1, 1, 9, tzinfo=timezone.utc) + timedelta(
        days=draws.below(365), seconds=draws.below(28_800)
    )
    updated = created + timedelta(days=draws.below(400), seconds=draws.below(86_400))
    first_login = created + timedelta(days=draws.below(30), seconds=draws.below(86_400))
    last_login = first_login + timedelta(days=draws.below(400), seconds=draws.below(86_400))
    never_logged_in = status == "new"
    manager_index = index - index % 10  # the first learner of each ten manages the others
    manager = None
    if manager_index != index:
        manager = {"id": org.learners[manager_index].thrive_id}
    position = {
        "id": hex24(org.seed, "thrive-position", index),
        "manager": manager,
        "ouId": hex24(org.seed, "thrive-ou", learner.department),
        "isActive": True,
        "startDate": iso_datetime(created),
        "endDate": None,
        "createdAt": iso_datetime(created),
        "updatedAt": iso_datetime(updated),
    }
    return {
        "id": learner.thrive_id,
        "ref": learner.unique_user_id,
        "firstName": learner.first_name,
        "lastName": learner.last_name,
        "email": None if ref_login else learner.email,
        "role": role,
        "status": status,
        "positions": [position],
        "additionalFields": {"department": learner.department},
        "languageCode": "en-GB",
        "deleted": False,
        "createdAt": iso_datetime(created),
        "updatedAt": iso_datetime(updated),
        "firstLogin": None if never_logged_in else iso_datetime(first_login),
        "lastLogin": None if never_logged_in else iso_datetime(last_login),
        "timeZone": "Europe/London",
        "audiences": [],
        "singleSignOn": not ref_login and draws.below(4) != 0,
    }
