"""What the referrals tell the apps above them, without importing them (DESIGN.md §4).

`referral_outcome` is sent inside the transaction of the step that reaches « retenu » (a promise
of employment or of a place in training: `outcome` = OUTCOME_PROMISE) or « embauché / entré en
formation » (OUTCOME_HIRED) (referrals.referral_advance), with `referral`, `detainee`,
`outcome`, `on` (the step's date), `offer_title`, `company_name`, `offer_kind`, `offer_setting`
(partners.choices) and `by`: the person's release plan follows it
(insertion/person/receivers.py).
"""

from django.dispatch import Signal

OUTCOME_PROMISE = "promesse"
OUTCOME_HIRED = "embauche"

referral_outcome = Signal()
