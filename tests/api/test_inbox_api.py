"""The in-app inbox and the per-user notification settings: each user's own, nobody else's."""

import pytest
from django.urls import reverse

from tasks.models import FollowUp, Notification, NotificationSettings
from tasks.outbox import notify

pytestmark = pytest.mark.django_db
IN_APP = (Notification.Channel.IN_APP,)


def _notify(user, window: str = "w1", reason: str = Notification.Reason.FOLLOW_UP_DUE):
    [notification] = notify(recipient=user, reason=reason, window=window, channels=IN_APP)
    return notification


def _ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


# The inbox


def test_the_inbox_lists_your_own_in_app_notifications_newest_first(world, api_for):
    first, second = _notify(world.advocate, "w1"), _notify(world.advocate, "w2")
    _notify(world.supervisor)
    notify(
        recipient=world.advocate,
        reason=Notification.Reason.ESCALATION,
        window="w3",
        channels=(Notification.Channel.EMAIL,),
    )

    response = api_for(world.advocate).get(reverse("inbox-list"))

    assert response.status_code == 200
    assert _ids(response) == [second.pk, first.pk]
    row = response.data["results"][0]
    assert (row["reason"], row["item_count"], row["unread"]) == ("follow_up_due", 1, True)


def test_the_unread_filter(world, api_for):
    read, unread = _notify(world.advocate, "w1"), _notify(world.advocate, "w2")
    client = api_for(world.advocate)
    client.post(reverse("inbox-read", args=[read.pk]))

    assert _ids(client.get(reverse("inbox-list"), {"unread": "true"})) == [unread.pk]
    assert _ids(client.get(reverse("inbox-list"), {"unread": "false"})) == [read.pk]


def test_marking_read_is_idempotent(world, api_for):
    notification = _notify(world.advocate)
    client = api_for(world.advocate)

    first = client.post(reverse("inbox-read", args=[notification.pk]))
    again = client.post(reverse("inbox-read", args=[notification.pk]))

    assert first.status_code == again.status_code == 200
    assert first.data["read_at"] == again.data["read_at"] is not None
    assert first.data["unread"] is False


@pytest.mark.parametrize("persona", ["supervisor", "young_person", "superuser"])
def test_nobody_reads_or_marks_someone_elses_notification(world, api_for, persona):
    notification = _notify(world.advocate)
    client = api_for(getattr(world, persona))

    assert notification.pk not in _ids(client.get(reverse("inbox-list")))
    assert client.post(reverse("inbox-read", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_an_inbox_entry_names_no_one(world, api_for):
    person = world.case.person
    person.alias = "Zephyrine"
    person.save()
    follow_up = FollowUp.objects.create(
        case=world.case,
        kind=FollowUp.Kind.OTHER,
        organization=world.lead,
        due_at="2030-01-01T10:00:00Z",
    )
    notify(recipient=world.advocate, reason="follow_up_due", window="w", follow_up=follow_up)

    body = api_for(world.advocate).get(reverse("inbox-list")).content.decode()

    assert "Zephyrine" not in body
    assert str(follow_up.pk) in body


def test_inbox_query_count_does_not_grow_with_rows(world, api_for, constant_queries):
    client = api_for(world.advocate)
    _notify(world.advocate, "w0")
    with constant_queries(1):  # the page
        client.get(reverse("inbox-list"))
    for window in range(1, 8):
        _notify(world.advocate, f"w{window}")
    with constant_queries(1):
        response = client.get(reverse("inbox-list"))
    assert len(response.data["results"]) == 8


# Notification settings


def test_settings_default_to_immediate_without_writing_a_row(world, api_for):
    response = api_for(world.advocate).get(reverse("me-notification-settings"))

    assert response.status_code == 200
    assert response.data["email_mode"] == "immediate"
    assert not NotificationSettings.objects.exists()


def test_a_user_chooses_the_daily_digest_for_themselves_only(world, api_for):
    client = api_for(world.advocate)

    response = client.put(reverse("me-notification-settings"), {"email_mode": "daily_digest"})

    assert response.status_code == 200, response.data
    assert client.get(reverse("me-notification-settings")).data["email_mode"] == "daily_digest"
    assert NotificationSettings.objects.get().user == world.advocate
    other = api_for(world.supervisor).get(reverse("me-notification-settings"))
    assert other.data["email_mode"] == "immediate"


def test_changing_the_choice_keeps_one_row(world, api_for):
    client = api_for(world.advocate)
    client.put(reverse("me-notification-settings"), {"email_mode": "daily_digest"})

    client.put(reverse("me-notification-settings"), {"email_mode": "off"})

    assert NotificationSettings.objects.get(user=world.advocate).email_mode == "off"


def test_the_digest_choice_stops_immediate_email(world, api_for):
    api_for(world.advocate).put(reverse("me-notification-settings"), {"email_mode": "daily_digest"})

    channels = {
        n.channel for n in notify(recipient=world.advocate, reason="escalation", window="x")
    }

    assert channels == {Notification.Channel.IN_APP}


@pytest.mark.parametrize("body", [{"email_mode": "hourly"}, {}])
def test_a_bad_mode_is_a_400(world, api_for, body):
    response = api_for(world.advocate).put(reverse("me-notification-settings"), body)

    assert response.status_code == 400
    assert "email_mode" in response.data
    assert not NotificationSettings.objects.exists()


def test_signed_out_requests_are_refused(api_for, db):
    client = api_for(None)

    assert client.get(reverse("me-notification-settings")).status_code in (401, 403)
    assert client.get(reverse("inbox-list")).status_code in (401, 403)
