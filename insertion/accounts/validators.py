"""Password rules of the CNIL's 2022 recommendation (délibération n° 2022-100), as the project
applies it: at least 12 characters mixing at least 3 kinds (lower case, upper case, digits,
other characters), or at least 14 characters of any kind. No forced renewal."""

import string

from django.core.exceptions import ValidationError

SHORT_MINIMUM = 12
LONG_MINIMUM = 14
KINDS_REQUIRED = 3


def character_kinds(password: str) -> int:
    kinds = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(kinds)


class CnilPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) >= LONG_MINIMUM:
            return
        if len(password) >= SHORT_MINIMUM and character_kinds(password) >= KINDS_REQUIRED:
            return
        raise ValidationError(self.get_help_text(), code="password_too_weak")

    def get_help_text(self) -> str:
        return (
            f"Le mot de passe doit compter au moins {LONG_MINIMUM} caractères, ou au moins "
            f"{SHORT_MINIMUM} caractères mêlant trois types parmi : minuscules, majuscules, "
            "chiffres et caractères spéciaux."
        )
