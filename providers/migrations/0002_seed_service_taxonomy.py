"""Seed the shared service taxonomy used by plans, referrals and the directory."""

from django.db import migrations

SERVICE_TYPES = [
    ("crisis_response", "Crisis response", "24-hour crisis line and emergency response."),
    ("emergency_shelter", "Emergency shelter", "Safe place to stay tonight."),
    ("transitional_housing", "Transitional housing", "Housing for months while stabilising."),
    ("case_management", "Case management", "Advocacy and coordination of services."),
    ("survivor_peer_support", "Survivor peer support", "Support from people with lived experience."),
    ("mental_health", "Mental health counselling", "Trauma-informed therapy and counselling."),
    ("substance_use", "Substance use treatment", "Recovery support and treatment."),
    ("medical_care", "Medical care", "Primary, sexual and reproductive health care."),
    ("legal_advocacy", "Legal advocacy", "Victim rights, protective orders, court support."),
    ("immigration_legal", "Immigration legal services", "T visas and other immigration relief."),
    ("education_support", "Education support", "School enrolment, tutoring, GED."),
    ("employment_training", "Employment and job training", "Job readiness and placement."),
    ("mentoring", "Mentoring", "A consistent adult mentor."),
    ("family_support", "Family support", "Support and counselling for the family."),
    ("basic_needs", "Basic needs", "Food, clothing, phone, identification documents."),
    ("transportation", "Transportation", "Rides and transit passes to appointments."),
]


def seed(apps, schema_editor):
    ServiceType = apps.get_model("providers", "ServiceType")
    for code, name, description in SERVICE_TYPES:
        ServiceType.objects.update_or_create(
            code=code, defaults={"name": name, "description": description}
        )


def unseed(apps, schema_editor):
    apps.get_model("providers", "ServiceType").objects.filter(
        code__in=[code for code, _, _ in SERVICE_TYPES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
