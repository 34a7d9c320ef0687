from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import Membership, Project, User
from config.inputs import StorableTextMixin


class SignupForm(StorableTextMixin, UserCreationForm):
    email = forms.EmailField(required=True, help_text="Teammates can add you to projects by this address.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A user with that email already exists.")
        return email


class ProjectForm(StorableTextMixin, forms.ModelForm):
    class Meta:
        model = Project
        fields = ("name",)


class MemberAddForm(StorableTextMixin, forms.Form):
    identifier = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.EDITOR)


class MemberRoleForm(StorableTextMixin, forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)
