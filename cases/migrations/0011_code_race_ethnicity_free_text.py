"""Code today's free-text race and ethnicity (issue 21) where it names one answer exactly.

A text that is exactly one answer of the combined question (OMB SPD 15, 2024), in any letter
case and spacing, becomes that code and the text is emptied (it said nothing more). Any other
text stays as it was, in the young person's own words, with no code: "not coded". A young
person who declined the question ("race_ethnicity" in declined_fields) answers "prefers not to
answer". Reversible: a single code with no text of its own becomes its words again.
"""

from django.db import migrations

# Frozen here: the answers as the standard words them on the day of this migration.
ANSWERS = {
    "american_indian_alaska_native": "American Indian or Alaska Native",
    "asian": "Asian",
    "black_african_american": "Black or African American",
    "hispanic_latino": "Hispanic or Latino",
    "middle_eastern_north_african": "Middle Eastern or North African",
    "native_hawaiian_pacific_islander": "Native Hawaiian or Pacific Islander",
    "white": "White",
    "prefers_not_to_answer": "Prefers not to answer",
}
DECLINED = "prefers_not_to_answer"
_BY_TEXT = {words.casefold(): code for code, words in ANSWERS.items()}


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def code_exact_free_text(apps, schema_editor) -> None:
    Person = apps.get_model("cases", "Person")
    people = Person.objects.order_by("pk").only("race_ethnicity", "declined_fields")
    for person in people.iterator(chunk_size=2000):
        code = _BY_TEXT.get(_key(person.race_ethnicity))
        if "race_ethnicity" in (person.declined_fields or []):
            code = code or DECLINED
        if code is None:
            continue  # not coded; the words stay
        text = "" if _key(person.race_ethnicity) in _BY_TEXT else person.race_ethnicity
        declined = list(person.declined_fields or [])
        if code == DECLINED and "race_ethnicity" not in declined:
            declined.append("race_ethnicity")  # one fact, as the intake service keeps it
        Person.objects.filter(pk=person.pk).update(
            race_ethnicity_codes=[code], race_ethnicity=text, declined_fields=declined
        )


def words_from_single_codes(apps, schema_editor) -> None:
    Person = apps.get_model("cases", "Person")
    people = Person.objects.order_by("pk").only("race_ethnicity", "race_ethnicity_codes")
    for person in people.iterator(chunk_size=2000):
        codes = person.race_ethnicity_codes or []
        if not codes:
            continue
        text = person.race_ethnicity
        if len(codes) == 1 and not text and codes[0] in ANSWERS and codes[0] != DECLINED:
            text = ANSWERS[codes[0]]
        Person.objects.filter(pk=person.pk).update(race_ethnicity_codes=[], race_ethnicity=text)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_coded_demographics_and_system_involvement")]

    operations = [migrations.RunPython(code_exact_free_text, words_from_single_codes)]
