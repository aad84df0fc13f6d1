from django import forms
from django.contrib.auth.forms import AuthenticationForm
from dsfr.forms import DsfrBaseForm


class LoginForm(DsfrBaseForm, AuthenticationForm):
    username = forms.EmailField(
        label="Adresse électronique",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": (
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie : "
            "le mot de passe distingue les majuscules des minuscules."
        ),
        "inactive": "Ce compte est désactivé. Contactez l'administrateur de l'application.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()


class TokenForm(DsfrBaseForm):
    token = forms.CharField(
        label="Code à usage unique",
        help_text="Les 6 chiffres affichés par votre application d'authentification, ou un de "
        "vos codes de secours.",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": "Saisissez le code."},
    )

    def clean_token(self) -> str:
        return "".join(self.cleaned_data["token"].split()).lower()


class CharterForm(DsfrBaseForm):
    accepted = forms.BooleanField(
        label="J'ai lu la charte d'utilisation et je m'engage à la respecter.",
        error_messages={"required": "Cochez la case pour accepter la charte."},
    )
