"""No element on a journey page runs out of its card or off the screen (issue 19, point 6):
the young person's consent cards, the partner's referral cards and every other journey page,
at a phone's, a tablet's and a laptop's width, in English and in Spanish."""

import pytest
from playwright.sync_api import Page

from tests.frontend.browser.conftest import PASSWORD, sign_in
from tests.frontend.pages import build_page_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (320, 768, 1280)

# Elements that may be wider than their box on purpose: content inside a scrolling wrapper
# (wide tables), and text hidden for screen readers only.
OVERFLOWING = """
() => {
  const scrolls = (el) => {
    for (let node = el.parentElement; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (["auto", "scroll"].includes(style.overflowX)) return true;
    }
    return false;
  };
  const hidden = (el) => el.closest(".visually-hidden") !== null;
  const found = [];
  const limit = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || hidden(el) || scrolls(el)) continue;
    const card = el.parentElement && el.parentElement.closest(".card");
    const edge = card ? card.getBoundingClientRect().right : limit;
    if (box.right > edge + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || "")
        .trim().slice(0, 30)}" ends at ${Math.round(box.right)} past ${Math.round(edge)}`);
    }
  }
  return found;
}
"""


def _pages(pw: object) -> dict[str, list[str]]:
    case_id = pw.case_id  # type: ignore[attr-defined]
    return {
        "young_person": ["/my/", "/my/consents/", "/my/access-log/", "/my/my-information/"],
        "consented_partner": [
            "/partner/",
            f"/partner/referrals/{pw.referral_id}/",  # type: ignore[attr-defined]
            f"/partner/cases/{case_id}/",
        ],
        "advocate": [
            "/cases/",
            f"/cases/{case_id}/",
            f"/cases/{case_id}/plan/",
            f"/cases/{case_id}/consents/{pw.active_consent.pk}/",  # type: ignore[attr-defined]
            f"/cases/{case_id}/referrals/new/",
        ],
        "supervisor": ["/supervisor/"],
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_element_runs_out_of_its_card_or_off_the_screen(
    open_page, live_server, language: str
) -> None:
    pw = build_page_world()
    problems: list[str] = []
    for persona, urls in _pages(pw).items():
        user = pw.user(persona)
        user.set_password(PASSWORD)
        user.preferred_language = language
        user.save()
        page: Page = open_page()
        sign_in(page, user)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for url in urls:
                response = page.goto(url)
                assert response is not None and response.status < 400, (url, response)
                problems += [f"{url} at {width}px: {p}" for p in page.evaluate(OVERFLOWING)]
    assert not problems, "\n".join(problems)
