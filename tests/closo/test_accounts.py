import re

import pytest
from django.core import mail

from closo.models import User
from tests.conftest import EMAILS, PASSWORD


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/sign-in/", {"username": email, "password": password, **extra})


def test_users_sign_in_with_email_not_username(db):
    user = User.objects.get(email=EMAILS["alice"])
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(user, "username")


def test_email_is_unique_whatever_its_case(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ALICE@acme.test")


def test_email_login_ignores_case(host_client, public_host, db):
    response = sign_in(host_client(public_host), EMAILS["ivan"].upper())
    assert response.status_code == 302


def test_hub_member_lands_on_the_hub_portal(host_client, public_host, db):
    response = sign_in(host_client(public_host), EMAILS["ivan"])
    assert response["Location"] == "/hub/"


def test_staff_land_on_hub_vetting(host_client, public_host, db):
    response = sign_in(host_client(public_host), EMAILS["stan"])
    assert response["Location"] == "/staff/hubs/"


def test_brand_member_lands_on_the_brand_portal(host_client, brand_a, db):
    response = sign_in(host_client(brand_a.host), EMAILS["alice"])
    assert response["Location"] == "/"


def test_next_parameter_is_honoured_but_not_to_other_sites(host_client, brand_a, db):
    client = host_client(brand_a.host)
    assert sign_in(client, EMAILS["alice"], next="/team/")["Location"] == "/team/"
    client = host_client(brand_a.host)
    assert sign_in(client, EMAILS["alice"], next="https://evil.test/")["Location"] == "/"


def test_wrong_password_shows_a_clear_message_and_keeps_the_email(host_client, public_host, db):
    response = sign_in(host_client(public_host), EMAILS["ivan"], password="nope")
    assert response.status_code == 200
    assert b"E-mail and password do not match" in response.content
    assert EMAILS["ivan"].encode() in response.content


def test_sign_out_needs_post_and_ends_the_session(host_client, brand_a, alice):
    client = host_client(brand_a.host, alice)
    assert client.get("/").status_code == 200
    assert client.get("/accounts/sign-out/").status_code == 405
    client.post("/accounts/sign-out/")
    assert client.get("/").status_code == 302


def test_password_reset_round_trip(host_client, public_host, ivan):
    client = host_client(public_host)
    response = client.post("/accounts/password-reset/", {"email": ivan.email})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )
    assert response["Location"] == "/accounts/reset/done/"
    ivan.refresh_from_db()
    assert ivan.check_password("a-brand-new-passphrase")


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(host_client, public_host, db):
    response = host_client(public_host).post("/accounts/password-reset/", {"email": "nobody@nowhere.test"})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []
