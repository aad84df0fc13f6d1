# The date a company was deactivated (its contacts' retention counts from it, retention.py).

from django.db import migrations, models
from django.db.models import F


def date_the_inactive_companies(apps, schema_editor):
    # The moment of the deactivation was not kept: the last change is the closest we know.
    Company = apps.get_model("partners", "Company")
    Company.objects.filter(active=False, deactivated_at__isnull=True).update(
        deactivated_at=F("updated_at")
    )


class Migration(migrations.Migration):
    # After the referrals (being written beside this): one line of migrations, no merge.
    dependencies = [
        ("partners", "0003_referrals"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="deactivated_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="désactivée le"
            ),
        ),
        migrations.RunPython(date_the_inactive_companies, migrations.RunPython.noop),
    ]
