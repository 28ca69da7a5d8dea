"""R44 with two real saves at once on PostgreSQL: two people send the same version of a record
through the API at the same moment; one change is applied, the other is refused with 412.

Plain transactional, like the other concurrent tests that sort after
tests/consent/test_access_log.py's serialized one: a serialized_rollback test after a plain one
would fail to reload the content types it leaves behind."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from cases.models import Person
from tests.conftest import World


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r44_two_people_saving_the_same_version_at_once_one_wins_one_is_told(
    world: World, api_for
) -> None:
    url = reverse("person-detail", kwargs={"pk": world.case.person_id})
    tag = api_for(world.advocate).get(url)["ETag"]
    answers: list[int] = []

    def save(pronouns: str, user) -> None:
        try:
            response = api_for(user).patch(
                url, {"pronouns": pronouns}, format="json", HTTP_IF_MATCH=tag
            )
            answers.append(response.status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=save, args=("she/her", world.advocate)),
        threading.Thread(target=save, args=("he/him", world.supervisor)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [200, 412]
    assert Person.objects.get(pk=world.case.person_id).pronouns in ("she/her", "he/him")
