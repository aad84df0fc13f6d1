"""The SIRET check of partner companies (insertion/partners/siret.py): 14 digits, the Luhn key,
La Poste's own rule, spaces accepted. The numbers are made up (a stem starting with 9)."""

import pytest

from insertion.partners.siret import luhn_ok, normalise_siret, siret_error

VALID = "98765432100015"
LENGTH = "Le numéro SIRET compte 14 chiffres (les espaces sont acceptés)."
KEY = "Ce numéro SIRET n'existe pas : vérifiez chaque chiffre (clé de contrôle fausse)."


def test_a_valid_siret_has_no_error():
    assert luhn_ok(VALID)
    assert siret_error(VALID) is None


def test_spaces_between_the_groups_are_accepted():
    assert siret_error("987 654 321 00015") is None
    assert normalise_siret(" 987 654 321\t00015 ") == VALID


def test_one_wrong_digit_breaks_the_key():
    assert siret_error("98765432100016") == KEY


@pytest.mark.parametrize("value", ["", "9876543210001", "987654321000150", "9876543210001A"])
def test_anything_but_14_digits_is_refused(value):
    assert siret_error(value) == LENGTH


def test_la_poste_establishments_follow_their_own_rule():
    # SIREN 356 000 000: the digits add up to a multiple of 5, whatever the Luhn key says.
    assert not luhn_ok("35600000000001")
    assert siret_error("35600000000001") is None
    assert siret_error("356 000 000 00001") is None
    assert siret_error("35600000000002") == KEY
