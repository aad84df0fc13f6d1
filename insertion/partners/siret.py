"""The SIRET number of a company: 14 digits, the first 9 its SIREN, checked by the Luhn key
(INSEE). La Poste's establishments (SIREN 356 000 000) follow their own rule: the sum of the
14 digits is a multiple of 5."""

LA_POSTE_SIREN = "356000000"


def normalise_siret(value: str) -> str:
    """The digits of what was typed, without the spaces people put between groups."""
    return "".join(value.split())


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_error(value: str) -> str | None:
    """A French message saying what is wrong with the SIRET, or None when it is valid."""
    digits = normalise_siret(value)
    if not digits.isdigit() or len(digits) != 14:
        return "Le numéro SIRET compte 14 chiffres (les espaces sont acceptés)."
    if digits.startswith(LA_POSTE_SIREN):
        valid = sum(int(char) for char in digits) % 5 == 0
    else:
        valid = luhn_ok(digits)
    if not valid:
        return "Ce numéro SIRET n'existe pas : vérifiez chaque chiffre (clé de contrôle fausse)."
    return None
