from django.db import migrations


def seed_kinds(apps, schema_editor):
    from insertion.release.referential import load_kinds

    load_kinds(apps.get_model("release", "MilestoneKind"))


def unseed_kinds(apps, schema_editor):
    apps.get_model("release", "MilestoneKind").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("release", "0001_initial")]

    operations = [migrations.RunPython(seed_kinds, unseed_kinds)]
