"""First run: the setup page creates the vault only once the worker is ready."""

from __future__ import annotations

from PySide6.QtCore import Qt

from outreach.config.policy import Policy
from outreach.vault.crypto import generate_recovery_keypair
from outreach.vault.device import DeviceSecretStore
from tests.support.keyrings import MemoryKeyring
from tests.ui.conftest import STRONG, UNLOCK_TIMEOUT_MS


def _fill(page, passphrase: str, confirm: str, *, understood: bool) -> None:
    page.passphrase.setText(passphrase)
    page.confirm.setText(confirm)
    page.understood.setChecked(understood)


def test_create_is_enabled_only_when_everything_is_ready(make_shell) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    assert shell.session.state == "new"
    assert shell.window.pages.currentWidget() is page
    assert not page.create_button.isEnabled()

    _fill(page, "short", "short", understood=True)
    assert "Too short" in page.strength_label.text()
    assert not page.create_button.isEnabled()

    _fill(page, "aaaaaaaaaaaaaaaa", "aaaaaaaaaaaaaaaa", understood=True)  # long but guessable
    assert "Too short" not in page.strength_label.text()
    assert "Add another word" in page.strength_label.text()
    assert not page.create_button.isEnabled()

    _fill(page, STRONG, STRONG + "x", understood=True)
    assert "different" in page.match_label.text()
    assert not page.create_button.isEnabled()

    _fill(page, STRONG, STRONG, understood=False)
    assert page.match_label.text() == ""
    assert not page.create_button.isEnabled()

    page.understood.setChecked(True)
    assert page.create_button.isEnabled()


def test_creating_the_vault_opens_the_workspace(qtbot, make_shell, paths) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    qtbot.keyClicks(page.passphrase, STRONG)
    qtbot.keyClicks(page.confirm, STRONG)
    page.understood.setChecked(True)
    assert not paths.vault_file.exists()
    with qtbot.waitSignal(shell.session.unlocked, timeout=UNLOCK_TIMEOUT_MS):
        qtbot.mouseClick(page.create_button, Qt.MouseButton.LeftButton)
    assert shell.session.state == "unlocked"
    assert shell.window.pages.currentWidget() is shell.window.workspace
    assert paths.vault_file.is_file()
    assert paths.key_file.is_file()
    # The chosen passphrase does not stay on the (hidden) setup page, nor in its undo.
    for field in (page.passphrase, page.confirm):
        assert field.text() == ""
        field.undo()
        assert field.text() == ""


def test_enter_in_the_second_field_creates_too(qtbot, make_shell, paths) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    page.understood.setChecked(True)
    qtbot.keyClicks(page.passphrase, STRONG)
    with qtbot.waitSignal(shell.session.unlocked, timeout=UNLOCK_TIMEOUT_MS):
        qtbot.keyClicks(page.confirm, STRONG)
        qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    assert paths.key_file.is_file()


def test_enter_before_ready_creates_nothing(qtbot, make_shell, paths) -> None:
    shell = make_shell()
    page = shell.window.setup_page
    qtbot.keyClicks(page.passphrase, STRONG)
    qtbot.keyClicks(page.confirm, STRONG)  # "I understand" is not ticked
    with qtbot.assertNotEmitted(page.createRequested):
        qtbot.keyClick(page.confirm, Qt.Key.Key_Return)
    assert shell.session.state == "new"
    assert not paths.key_file.exists()


def test_with_agency_recovery_the_statement_names_the_organisation(make_shell) -> None:
    _, public_pem = generate_recovery_keypair()
    page = make_shell(Policy(recovery_public_key=public_pem)).window.setup_page
    assert "organisation" in page.statement.text()
    assert "nobody" not in page.statement.text()


def test_without_recovery_the_statement_says_nobody_can_help(make_shell) -> None:
    page = make_shell().window.setup_page
    assert "nobody" in page.statement.text()
    assert "organisation" not in page.statement.text()


def test_no_keyring_is_said_before_creating(make_shell) -> None:
    shell = make_shell(device=DeviceSecretStore(None))
    page = shell.window.setup_page
    assert page.keyring_label.isVisibleTo(shell.window)
    assert "keyring" in page.keyring_label.text()


def test_a_keyring_means_no_keyring_notice(make_shell) -> None:
    shell = make_shell(device=DeviceSecretStore(MemoryKeyring()))
    assert not shell.window.setup_page.keyring_label.isVisibleTo(shell.window)


def test_a_required_keyring_that_is_missing_blocks_creation(make_shell, paths) -> None:
    shell = make_shell(Policy(require_keyring=True, managed=frozenset({"require_keyring"})))
    page = shell.window.setup_page
    assert page.error_label.isVisibleTo(shell.window)
    assert "keyring" in page.error_label.text()
    _fill(page, STRONG, STRONG, understood=True)
    assert not page.create_button.isEnabled()
    page.confirm.returnPressed.emit()
    assert shell.session.state == "new"
    assert not paths.key_file.exists()


def test_a_required_keyring_that_is_present_allows_creation(qtbot, make_shell, paths) -> None:
    shell = make_shell(Policy(require_keyring=True), DeviceSecretStore(MemoryKeyring()))
    page = shell.window.setup_page
    assert not page.error_label.isVisibleTo(shell.window)
    _fill(page, STRONG, STRONG, understood=True)
    with qtbot.waitSignal(shell.session.unlocked, timeout=UNLOCK_TIMEOUT_MS):
        page.create_button.click()
    assert paths.key_file.is_file()
