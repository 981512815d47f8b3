"""EMAIL_URL=filemail:... as the real settings module reads it (in a fresh process)."""

from tests.test_settings import PRODUCTION, ROOT, run, settings_of


def file_path(url):
    return settings_of(["MAILERS"], **{**PRODUCTION, "EMAIL_URL": url})["MAILERS"]["default"]


def test_an_absolute_mail_directory_stays_absolute():
    mailer = file_path("filemail:///var/mail/ncsup")
    assert mailer == {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                      "OPTIONS": {"file_path": "/var/mail/ncsup"}}


def test_a_relative_mail_directory_is_inside_the_project_whatever_the_working_directory():
    assert file_path("filemail:tmp/mail")["OPTIONS"]["file_path"] == str(ROOT / "tmp" / "mail")
    assert file_path("filemail://tmp/mail")["OPTIONS"]["file_path"] == str(ROOT / "tmp" / "mail")


def test_a_mail_url_without_a_directory_is_refused_with_an_example():
    result = run(["manage.py", "check"], **{**PRODUCTION, "EMAIL_URL": "filemail://"})
    assert result.returncode != 0
    assert "filemail:///var/mail/ncsup" in result.stderr
