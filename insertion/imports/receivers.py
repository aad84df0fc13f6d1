"""The imports' answers to the signals of the layers below (connected in apps.py)."""

from insertion.imports.models import Divergence, ImportRow


def erase_anonymised_people(sender, *, detainee_ids, **kwargs) -> None:
    """End of retention: what the runs kept of these people (cells of their rows, divergences)
    goes with their identity. The rows stay, empty, so the runs' counts do not change."""
    Divergence.objects.filter(detainee_id__in=detainee_ids).delete()
    ImportRow.objects.filter(detainee_id__in=detainee_ids).update(
        values={}, raw={}, national_id="", message=""
    )
